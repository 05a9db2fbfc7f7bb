@NullMarked
package io.moeplatform.core.tenant;

import org.jspecify.annotations.NullMarked;
