package io.moeplatform.inference;

import java.util.List;

/** Text to tokens and back for one served model. Thread-safe. */
public interface PromptCodec {

    /**
     * Renders messages with the model's chat template, exactly as transformers'
     * {@code apply_chat_template}.
     */
    String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt);

    /**
     * Token ids of text, without adding special tokens (templates already contain
     * them).
     */
    int[] encode(String text);

    /** Text of token ids; special tokens are skipped. */
    String decode(int[] tokenIds);

    int vocabularySize();

    int contextLength();
}
