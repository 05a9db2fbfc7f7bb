@NullMarked
package io.moeplatform.inference.sampling;

import org.jspecify.annotations.NullMarked;
