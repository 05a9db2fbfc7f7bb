package io.moeplatform.api.openai;

import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.StopConditions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * The sampling fields both endpoints share, checked against the ranges OpenAI documents (and vLLM's for the
 * extensions top_k, min_p, repetition_penalty), so the engine never sees nonsense and the client learns which
 * field to change.
 */
public record SamplingFields(@Nullable Double temperature, @Nullable Double topP, @Nullable Integer topK,
        @Nullable Double minP, @Nullable Long seed, @Nullable Double presencePenalty,
        @Nullable Double frequencyPenalty, @Nullable Double repetitionPenalty) {

    static final int MAX_N = 16;
    static final int MAX_STOP = 16;

    /**
     * @param maxTokens the limit asked for, or null for the default
     * @param topLogprobs alternatives per token, or -1 when no logprobs were asked for
     */
    public SamplingParams toParams(@Nullable Integer maxTokens, String maxTokensParam, int topLogprobs) {
        float t = (float) range("temperature", temperature, 1.0, 0.0, 2.0);
        float p = (float) range("top_p", topP, 1.0, 0.0, 1.0);
        if (topP != null && topP == 0.0) {
            throw OpenAiApiException.invalidParameter("top_p", "top_p must be in (0, 1]; use 1 to keep every token.");
        }
        int k = topK == null || topK == -1 ? 0 : topK;
        if (k < 0) {
            throw OpenAiApiException.invalidParameter("top_k", "top_k must be -1 or 0 (off) or a positive number.");
        }
        float minProbability = (float) range("min_p", minP, 0.0, 0.0, 1.0);
        float presence = (float) range("presence_penalty", presencePenalty, 0.0, -2.0, 2.0);
        float frequency = (float) range("frequency_penalty", frequencyPenalty, 0.0, -2.0, 2.0);
        float repetition = (float) range("repetition_penalty", repetitionPenalty, 1.0, 0.01, 10.0);
        if (maxTokens != null && maxTokens < 1) {
            throw OpenAiApiException.invalidParameter(maxTokensParam,
                    maxTokensParam + " must be at least 1; got " + maxTokens + ".");
        }
        return new SamplingParams(t, k, p, minProbability, seed, presence, frequency, repetition,
                maxTokens == null ? 0 : maxTokens, topLogprobs >= 0, Math.max(0, topLogprobs));
    }

    public static int n(@Nullable Integer n) {
        if (n == null) {
            return 1;
        }
        if (n < 1 || n > MAX_N) {
            throw OpenAiApiException.invalidParameter("n", "n must be between 1 and " + MAX_N + "; got " + n + ".");
        }
        return n;
    }

    /** {@code stop} as a string or an array of up to {@value #MAX_STOP} non-empty strings. */
    public static StopConditions stop(@Nullable JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return StopConditions.NONE;
        }
        var strings = new ArrayList<String>();
        if (stop.isString()) {
            strings.add(stop.asString());
        } else if (stop.isArray()) {
            for (JsonNode element : stop) {
                if (!element.isString()) {
                    throw OpenAiApiException.invalidParameter("stop", "stop must be a string or an array of strings.");
                }
                strings.add(element.asString());
            }
        } else {
            throw OpenAiApiException.invalidParameter("stop", "stop must be a string or an array of strings.");
        }
        if (strings.size() > MAX_STOP || strings.stream().anyMatch(String::isEmpty)) {
            throw OpenAiApiException.invalidParameter("stop",
                    "stop takes at most " + MAX_STOP + " non-empty strings.");
        }
        return new StopConditions(List.copyOf(strings), Set.of(), false);
    }

    private static double range(String param, @Nullable Double value, double fallback, double min, double max) {
        if (value == null) {
            return fallback;
        }
        if (value.isNaN() || value < min || value > max) {
            throw OpenAiApiException.invalidParameter(param,
                    param + " must be between " + min + " and " + max + "; got " + value + ".");
        }
        return value;
    }
}
