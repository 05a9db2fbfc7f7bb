/**
 * Administration of the caller's tenant's adapters over {@code /v1/adapters/**} (API keys with scope
 * {@code adapters:write}): catalog, knowledge-graph upload and versions, tenant default, and the injection preview.
 */
@NullMarked
package io.moeplatform.api.adapters;

import org.jspecify.annotations.NullMarked;
