@NullMarked
package io.moeplatform.admin.apikey;

import org.jspecify.annotations.NullMarked;
