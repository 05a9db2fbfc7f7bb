package io.moeplatform.inference;

import org.jspecify.annotations.Nullable;

/**
 * How tokens are chosen. Neutral values switch a feature off: temperature 0 is
 * greedy, topK 0 and topP 1 keep every token, minP 0 filters nothing, penalties
 * 0 (repetition 1) change nothing.
 *
 * @param seed
 *            makes sampling reproducible per request; null draws a random seed
 * @param maxTokens
 *            most tokens to generate per choice
 * @param logprobs
 *            whether to return the sampled token's log-probability
 * @param topLogprobs
 *            how many alternatives to return with it (0..20)
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, @Nullable Long seed,
        float presencePenalty, float frequencyPenalty, float repetitionPenalty, int maxTokens, boolean logprobs,
        int topLogprobs) {

    public static SamplingParams greedy(int maxTokens) {
        return new SamplingParams(0f, 0, 1f, 0f, null, 0f, 0f, 1f, maxTokens, false, 0);
    }
}
