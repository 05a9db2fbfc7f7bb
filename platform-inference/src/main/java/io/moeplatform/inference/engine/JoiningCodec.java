package io.moeplatform.inference.engine;

import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.text.Tokenizer;
import java.util.List;

/**
 * A tokenizer without a chat template as a codec (tests, benchmarks without tokenizer files): its "chat template"
 * joins the message contents with {@code separator}, so tests can predict the prompt exactly.
 */
public record JoiningCodec(Tokenizer tokenizer, int contextLength, String separator) implements PromptCodec {

    @Override
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return String.join(separator, messages.stream().map(ChatMessage::content).toList());
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
