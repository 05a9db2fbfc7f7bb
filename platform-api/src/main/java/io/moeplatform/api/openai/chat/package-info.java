@NullMarked
package io.moeplatform.api.openai.chat;

import org.jspecify.annotations.NullMarked;
