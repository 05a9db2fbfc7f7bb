package io.moeplatform.inference.engine;

import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.PromptCodec;
import java.util.List;

/** The toy tokenizer as a codec; the "chat template" joins message contents with spaces. */
record ToyCodec(ToyTokenizer tokenizer, int contextLength) implements PromptCodec {

    @Override
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return String.join(" ", messages.stream().map(ChatMessage::content).toList());
    }

    @Override
    public int[] encode(String text) {
        return tokenizer.encode(text);
    }

    @Override
    public String decode(int[] tokenIds) {
        return tokenizer.decode(tokenIds, true);
    }

    @Override
    public int vocabularySize() {
        return tokenizer.vocabularySize();
    }
}
