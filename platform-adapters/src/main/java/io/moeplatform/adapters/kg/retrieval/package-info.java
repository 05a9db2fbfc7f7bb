/** Retrieval: entity linking, k-hop expansion, ranking, and rendering under a token budget. */
@NullMarked
package io.moeplatform.adapters.kg.retrieval;

import org.jspecify.annotations.NullMarked;
