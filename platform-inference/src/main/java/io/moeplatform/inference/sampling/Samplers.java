package io.moeplatform.inference.sampling;

import io.moeplatform.inference.SamplingParams;
import java.util.SplittableRandom;

/**
 * Creates the {@link Sampler} of one sequence.
 *
 * <p>
 * Randomness: each sampler owns a {@link SplittableRandom} (SplitMix64) seeded with the given seed and draws exactly
 * one {@code nextDouble()} per non-greedy token. SplitMix64's output for a seed is specified by its algorithm, not by
 * the JDK release, so the same seed, parameters and logits give the same tokens on every JVM.
 */
public final class Samplers {

    private Samplers() {}

    /**
     * A sampler for one sequence.
     *
     * @param params validated sampling parameters (see {@link SamplingParamsValidator})
     * @param seed the sequence's seed; the engine derives it from the request's seed and the choice index
     * @param vocabularySize length of the logits the sampler will receive
     * @throws io.moeplatform.inference.InvalidGenerationRequestException when {@code params} are out of range
     */
    public static Sampler create(SamplingParams params, long seed, int vocabularySize) {
        SamplingParamsValidator.validate(params, vocabularySize);
        int topLogprobs = params.logprobs() ? params.topLogprobs() : 0;
        return new LogitsSampler(vocabularySize, params.temperature(), params.topK(), params.topP(), params.minP(),
                topLogprobs,
                new Penalties(params.repetitionPenalty(), params.presencePenalty(), params.frequencyPenalty()),
                new SplittableRandom(seed));
    }
}
