@NullMarked
package io.moeplatform.core.bootstrap;

import org.jspecify.annotations.NullMarked;
