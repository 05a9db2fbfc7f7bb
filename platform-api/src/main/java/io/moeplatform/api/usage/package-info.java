@NullMarked
package io.moeplatform.api.usage;

import org.jspecify.annotations.NullMarked;
