package io.moeplatform.inference.sampling;

/**
 * Chooses the next token of one sequence from the model's logits. One instance per sequence (it owns the
 * sequence's seeded random stream, so a request with a seed is reproducible); not thread-safe.
 */
public interface Sampler {

    /**
     * Picks a token.
     *
     * @param logits fp32 logits over the vocabulary; the sampler may modify the array in place
     * @param history tokens of the sequence so far, for presence/frequency/repetition penalties
     */
    SampledToken sample(float[] logits, TokenHistory history);
}
