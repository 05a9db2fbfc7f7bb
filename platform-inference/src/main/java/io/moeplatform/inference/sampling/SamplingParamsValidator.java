package io.moeplatform.inference.sampling;

import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.SamplingParams;

/**
 * Checks sampling parameters against the ranges the OpenAI API documents (plus the vLLM extensions top_k, min_p,
 * repetition_penalty). Messages name the request field as clients spell it and say which values are accepted.
 */
public final class SamplingParamsValidator {

    /** Most alternatives per position, as OpenAI allows. */
    public static final int MAX_TOP_LOGPROBS = 20;

    private SamplingParamsValidator() {}

    /**
     * @throws InvalidGenerationRequestException with {@code param} set to the offending field and code
     *         {@code invalid_value}
     */
    public static void validate(SamplingParams params, int vocabularySize) {
        float temperature = params.temperature();
        if (!(temperature >= 0f && temperature <= 2f)) {
            throw invalid("temperature", "temperature must be between 0 and 2 (0 picks the most likely token); got "
                    + temperature);
        }
        float topP = params.topP();
        if (!(topP > 0f && topP <= 1f)) {
            throw invalid("top_p", "top_p must be greater than 0 and at most 1 (1 keeps every token); got " + topP);
        }
        if (params.topK() < 0) {
            throw invalid("top_k", "top_k must be 0 (keep every token) or a positive number of tokens; got "
                    + params.topK());
        }
        if (params.topK() > vocabularySize) {
            throw invalid("top_k", "top_k must be at most the vocabulary size " + vocabularySize
                    + " (0 keeps every token); got " + params.topK());
        }
        float minP = params.minP();
        if (!(minP >= 0f && minP <= 1f)) {
            throw invalid("min_p", "min_p must be between 0 and 1 (0 filters nothing); got " + minP);
        }
        checkPenalty("presence_penalty", params.presencePenalty());
        checkPenalty("frequency_penalty", params.frequencyPenalty());
        float repetition = params.repetitionPenalty();
        if (!(repetition > 0f && Float.isFinite(repetition))) {
            throw invalid("repetition_penalty",
                    "repetition_penalty must be a positive number (1 changes nothing, above 1 discourages repeats); got "
                            + repetition);
        }
        if (params.maxTokens() < 1) {
            throw invalid("max_tokens", "max_tokens must be at least 1; got " + params.maxTokens());
        }
        int topLogprobs = params.topLogprobs();
        if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
            throw invalid("top_logprobs",
                    "top_logprobs must be between 0 and " + MAX_TOP_LOGPROBS + "; got " + topLogprobs);
        }
        if (topLogprobs > 0 && !params.logprobs()) {
            throw invalid("top_logprobs", "top_logprobs requires logprobs to be true; set logprobs: true or remove"
                    + " top_logprobs");
        }
    }

    private static void checkPenalty(String name, float value) {
        if (!(value >= -2f && value <= 2f)) {
            throw invalid(name, name + " must be between -2 and 2 (0 changes nothing); got " + value);
        }
    }

    private static InvalidGenerationRequestException invalid(String param, String message) {
        return new InvalidGenerationRequestException(message, param, "invalid_value");
    }
}
