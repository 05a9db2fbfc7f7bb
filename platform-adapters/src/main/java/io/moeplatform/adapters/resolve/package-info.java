/** Resolution of the adapter a request names (or the tenant's default) into what the pipeline applies. */
@NullMarked
package io.moeplatform.adapters.resolve;

import org.jspecify.annotations.NullMarked;
