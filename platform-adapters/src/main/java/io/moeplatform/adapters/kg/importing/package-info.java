/** Knowledge-graph import: streaming parsers (JSON, CSV triples, Turtle, N-Triples) into a validated, versioned graph. */
@NullMarked
package io.moeplatform.adapters.kg.importing;

import org.jspecify.annotations.NullMarked;
