package io.moeplatform.inference;

/** One message of a chat, as the chat template receives it. */
public record ChatMessage(String role, String content) {}
