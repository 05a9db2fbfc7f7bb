package io.moeplatform.inference.engine;

import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.sampling.Sampler;

/**
 * Makes the sampler of one choice. The engine resolves the seed: the request's
 * seed plus the choice index, or a random one when the request has none, so
 * seeded requests are reproducible and the choices of {@code n > 1} differ.
 */
@FunctionalInterface
public interface SamplerFactory {

    Sampler create(SamplingParams params, long seed);
}
