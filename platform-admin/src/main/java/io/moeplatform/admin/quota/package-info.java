@NullMarked
package io.moeplatform.admin.quota;

import org.jspecify.annotations.NullMarked;
