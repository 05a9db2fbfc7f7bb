/** Knowledge-graph storage in the relational database, one version per import. */
@NullMarked
package io.moeplatform.adapters.kg.store;

import org.jspecify.annotations.NullMarked;
