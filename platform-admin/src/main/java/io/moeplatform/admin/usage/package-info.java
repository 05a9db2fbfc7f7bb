@NullMarked
package io.moeplatform.admin.usage;

import org.jspecify.annotations.NullMarked;
