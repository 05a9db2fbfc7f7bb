package io.moeplatform.api.testing;

import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.PromptCodec;
import java.util.List;

/** ChatML rendering (Qwen's format) over the {@link ByteTokenizer}. */
record ChatMlCodec(ByteTokenizer tokenizer, int contextLength) implements PromptCodec {

    @Override
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        var text = new StringBuilder();
        for (ChatMessage message : messages) {
            text.append("<|im_start|>").append(message.role()).append('\n').append(message.content())
                    .append("<|im_end|>\n");
        }
        if (addGenerationPrompt) {
            text.append("<|im_start|>assistant\n");
        }
        return text.toString();
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
