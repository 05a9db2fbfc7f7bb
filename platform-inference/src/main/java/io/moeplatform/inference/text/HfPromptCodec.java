package io.moeplatform.inference.text;

import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.PromptCodec;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The prompt codec of a model served from Hugging Face text assets. */
public final class HfPromptCodec implements PromptCodec {

    private final Tokenizer tokenizer;
    private final @Nullable ChatTemplate template;
    private final int contextLength;

    /**
     * @param template
     *            null for a model without chat template: then only completions
     *            work, and chat requests fail with a message saying so
     * @param contextLength
     *            the model's maximum prompt plus completion length
     */
    public HfPromptCodec(Tokenizer tokenizer, @Nullable ChatTemplate template, int contextLength) {
        if (contextLength <= 0) {
            throw new IllegalArgumentException("context length must be positive, got " + contextLength);
        }
        this.tokenizer = tokenizer;
        this.template = template;
        this.contextLength = contextLength;
    }

    /** A codec over a model directory's assets. */
    public static HfPromptCodec of(ModelTextAssets assets, int contextLength) {
        return new HfPromptCodec(assets.tokenizer(), assets.chatTemplate(), contextLength);
    }

    @Override
    public String renderChat(List<ChatMessage> messages, boolean addGenerationPrompt) {
        if (template == null) {
            throw new IllegalArgumentException("this model has no chat template (no chat_template in "
                    + "tokenizer_config.json and no chat_template.jinja); use the completions API instead");
        }
        return template.render(messages, addGenerationPrompt);
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

    @Override
    public int contextLength() {
        return contextLength;
    }
}
