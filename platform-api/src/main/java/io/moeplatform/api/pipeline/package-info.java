@NullMarked
package io.moeplatform.api.pipeline;

import org.jspecify.annotations.NullMarked;
