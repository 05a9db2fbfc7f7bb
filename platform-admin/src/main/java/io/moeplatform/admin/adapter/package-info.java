/**
 * The console's adapter pages: a tenant's knowledge-graph and LoRA adapters, their uploads with progress, stats,
 * enabling, the tenant default, and the injection preview, all through the adapter services of
 * {@code platform-adapters}.
 */
@NullMarked
package io.moeplatform.admin.adapter;

import org.jspecify.annotations.NullMarked;
