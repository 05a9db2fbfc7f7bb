@NullMarked
package io.moeplatform.inference.engine;

import org.jspecify.annotations.NullMarked;
