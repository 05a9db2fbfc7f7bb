/** The adapter catalog: names, kinds, base models, enabled flags and each tenant's default adapter. */
@NullMarked
package io.moeplatform.adapters.catalog;

import org.jspecify.annotations.NullMarked;
