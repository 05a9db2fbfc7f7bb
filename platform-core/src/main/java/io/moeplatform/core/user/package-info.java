@NullMarked
package io.moeplatform.core.user;

import org.jspecify.annotations.NullMarked;
