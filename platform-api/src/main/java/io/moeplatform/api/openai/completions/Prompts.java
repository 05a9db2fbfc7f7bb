package io.moeplatform.api.openai.completions;

import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.api.pipeline.PromptInput;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code prompt} in the four shapes OpenAI accepts: a string, an array of strings, an array of token ids,
 * or an array of arrays of token ids.
 */
final class Prompts {

    static final int MAX_PROMPTS = 16;
    private static final String SHAPES = "prompt must be a string, an array of strings, an array of token ids, "
            + "or an array of arrays of token ids.";

    private Prompts() {}

    static PromptInput parse(@Nullable JsonNode prompt) {
        if (prompt == null || prompt.isNull()) {
            throw OpenAiApiException.invalidParameter("prompt", "You must provide a prompt. " + SHAPES);
        }
        if (prompt.isString()) {
            return new PromptInput.Texts(java.util.List.of(prompt.asString()));
        }
        if (!prompt.isArray() || prompt.isEmpty()) {
            throw OpenAiApiException.invalidParameter("prompt", SHAPES);
        }
        JsonNode first = prompt.get(0);
        if (first.isString()) {
            var texts = new ArrayList<String>();
            for (JsonNode element : prompt) {
                if (!element.isString()) {
                    throw OpenAiApiException.invalidParameter("prompt", SHAPES);
                }
                texts.add(element.asString());
            }
            return new PromptInput.Texts(limited(texts));
        }
        if (first.isIntegralNumber()) {
            return new PromptInput.TokenIds(java.util.List.of(ids(prompt)));
        }
        if (first.isArray()) {
            var prompts = new ArrayList<int[]>();
            for (JsonNode element : prompt) {
                if (!element.isArray()) {
                    throw OpenAiApiException.invalidParameter("prompt", SHAPES);
                }
                prompts.add(ids(element));
            }
            return new PromptInput.TokenIds(limited(prompts));
        }
        throw OpenAiApiException.invalidParameter("prompt", SHAPES);
    }

    private static <T> java.util.List<T> limited(java.util.List<T> prompts) {
        if (prompts.size() > MAX_PROMPTS) {
            throw OpenAiApiException.invalidParameter("prompt",
                    "At most " + MAX_PROMPTS + " prompts per request; split the batch.");
        }
        return java.util.List.copyOf(prompts);
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = array.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToInt()) {
                throw OpenAiApiException.invalidParameter("prompt", SHAPES);
            }
            ids[i] = id.asInt();
        }
        return ids;
    }
}
