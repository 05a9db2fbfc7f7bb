/** Knowledge-graph adapters: configuration shared by import, indexing and retrieval. */
@NullMarked
package io.moeplatform.adapters.kg;

import org.jspecify.annotations.NullMarked;
