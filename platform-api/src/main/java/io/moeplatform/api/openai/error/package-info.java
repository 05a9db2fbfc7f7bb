@NullMarked
package io.moeplatform.api.openai.error;

import org.jspecify.annotations.NullMarked;
