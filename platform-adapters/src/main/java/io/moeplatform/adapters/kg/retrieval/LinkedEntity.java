package io.moeplatform.adapters.kg.retrieval;

import org.jspecify.annotations.Nullable;

/**
 * An entity found in the prompt.
 *
 * @param mentions how often its names occur in the user's messages
 * @param matched the normalized text of its first occurrence
 */
public record LinkedEntity(String name, @Nullable String type, int mentions, String matched) {}
