@NullMarked
package io.moeplatform.admin.playground;

import org.jspecify.annotations.NullMarked;
