@NullMarked
package io.moeplatform.core.metering;

import org.jspecify.annotations.NullMarked;
