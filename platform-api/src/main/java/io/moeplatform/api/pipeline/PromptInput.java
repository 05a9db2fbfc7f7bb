package io.moeplatform.api.pipeline;

import io.moeplatform.inference.ChatMessage;
import java.util.List;

/** What the client sent as the prompt, before the model's codec turns it into token ids. */
public sealed interface PromptInput {

    /** Chat messages, rendered with the model's chat template (generation prompt added). */
    record Chat(List<ChatMessage> messages) implements PromptInput {}

    /** One or more text prompts, each its own generation. */
    record Texts(List<String> prompts) implements PromptInput {}

    /** One or more prompts given as token ids, each its own generation. */
    record TokenIds(List<int[]> prompts) implements PromptInput {}
}
