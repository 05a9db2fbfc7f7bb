package io.moeplatform.inference.text;

import io.moeplatform.inference.ChatMessage;
import java.util.List;

/** A model's Jinja chat template. Thread-safe. */
public interface ChatTemplate {

    /**
     * The prompt text, byte-identical to transformers'
     * {@code apply_chat_template(..., tokenize=False)}.
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);
}
