@NullMarked
package io.moeplatform.api.openai.models;

import org.jspecify.annotations.NullMarked;
