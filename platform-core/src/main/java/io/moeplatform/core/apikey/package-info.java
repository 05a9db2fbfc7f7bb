@NullMarked
package io.moeplatform.core.apikey;

import org.jspecify.annotations.NullMarked;
