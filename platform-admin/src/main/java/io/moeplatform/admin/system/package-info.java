@NullMarked
package io.moeplatform.admin.system;

import org.jspecify.annotations.NullMarked;
