package io.moeplatform.inference.sampling;

/**
 * A chosen token with its log-probability under the (penalized, temperature-scaled) distribution and the most
 * likely alternatives, as OpenAI's {@code logprobs} report them.
 *
 * @param topTokenIds alternatives in descending probability; empty unless top logprobs were requested
 */
public record SampledToken(int tokenId, float logprob, int[] topTokenIds, float[] topLogprobs) {}
