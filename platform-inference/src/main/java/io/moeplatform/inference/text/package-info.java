@NullMarked
package io.moeplatform.inference.text;

import org.jspecify.annotations.NullMarked;
