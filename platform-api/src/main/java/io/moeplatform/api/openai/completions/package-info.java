@NullMarked
package io.moeplatform.api.openai.completions;

import org.jspecify.annotations.NullMarked;
