@NullMarked
package io.moeplatform.api;

import org.jspecify.annotations.NullMarked;
