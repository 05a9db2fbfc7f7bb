/** Spring Boot auto-configuration of the inference engine: properties, the engine bean and its health. */
@NullMarked
package io.moeplatform.inference.autoconfigure;

import org.jspecify.annotations.NullMarked;
