@NullMarked
package io.moeplatform.admin.overview;

import org.jspecify.annotations.NullMarked;
