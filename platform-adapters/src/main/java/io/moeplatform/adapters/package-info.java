/**
 * Domain adapters per tenant: the adapter catalog shared by knowledge-graph and LoRA adapters, knowledge-graph
 * import, storage, indexing and retrieval, and the resolution of the adapter a request names.
 */
@NullMarked
package io.moeplatform.adapters;

import org.jspecify.annotations.NullMarked;
