/** In-memory indexes of active knowledge-graph versions: normalized name matching and adjacency. */
@NullMarked
package io.moeplatform.adapters.kg.index;

import org.jspecify.annotations.NullMarked;
