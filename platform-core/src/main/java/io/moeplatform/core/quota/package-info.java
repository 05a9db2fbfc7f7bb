@NullMarked
package io.moeplatform.core.quota;

import org.jspecify.annotations.NullMarked;
