@NullMarked
package io.moeplatform.admin.tenant;

import org.jspecify.annotations.NullMarked;
