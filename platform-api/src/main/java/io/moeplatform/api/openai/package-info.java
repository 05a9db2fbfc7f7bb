@NullMarked
package io.moeplatform.api.openai;

import org.jspecify.annotations.NullMarked;
