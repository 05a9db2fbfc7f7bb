package io.moeplatform.api.pipeline;

import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.inference.PromptCodec;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.HttpStatus;

/** Turns a {@link PromptInput} into the token ids of each prompt, with the model's template and tokenizer. */
final class PromptTokens {

    private PromptTokens() {}

    static List<int[]> of(PromptInput prompt, PromptCodec codec, String param) {
        List<int[]> prompts = switch (prompt) {
            case PromptInput.Chat chat -> List.of(codec.encode(codec.renderChat(chat.messages(), true)));
            case PromptInput.Texts texts -> texts.prompts().stream().map(codec::encode).toList();
            case PromptInput.TokenIds ids -> checkedIds(ids.prompts(), codec.vocabularySize(), param);
        };
        for (int[] ids : prompts) {
            if (ids.length == 0) {
                throw OpenAiApiException.invalidParameter(param,
                        "The prompt is empty after tokenization; send at least one token of text.");
            }
        }
        return prompts;
    }

    private static List<int[]> checkedIds(List<int[]> prompts, int vocabularySize, String param) {
        var checked = new ArrayList<int[]>(prompts.size());
        for (int[] ids : prompts) {
            for (int id : ids) {
                if (id < 0 || id >= vocabularySize) {
                    throw new OpenAiApiException(HttpStatus.BAD_REQUEST, "Token id " + id
                            + " is outside the model's vocabulary [0, " + vocabularySize + "); send valid ids.",
                            ErrorTypes.INVALID_REQUEST, param, "invalid_value");
                }
            }
            checked.add(ids);
        }
        return checked;
    }
}
