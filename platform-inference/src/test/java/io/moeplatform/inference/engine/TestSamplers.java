package io.moeplatform.inference.engine;

import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.sampling.SampledToken;
import io.moeplatform.inference.sampling.Sampler;
import java.util.SplittableRandom;

/**
 * Samplers for engine tests (the product's samplers are H7's): argmax at
 * temperature 0, otherwise plain temperature sampling from a seeded stream.
 * Log-probabilities are log-softmax of the (temperature-scaled) logits.
 */
final class TestSamplers implements SamplerFactory {

    @Override
    public Sampler create(SamplingParams params, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return (logits, history) -> {
            float temperature = params.temperature() == 0 ? 1 : params.temperature();
            double max = Double.NEGATIVE_INFINITY;
            for (float logit : logits) {
                max = Math.max(max, logit / temperature);
            }
            double sum = 0;
            for (float logit : logits) {
                sum += Math.exp(logit / temperature - max);
            }
            double logSum = max + Math.log(sum);
            int chosen = 0;
            if (params.temperature() == 0) {
                for (int i = 1; i < logits.length; i++) {
                    if (logits[i] > logits[chosen]) {
                        chosen = i;
                    }
                }
            } else {
                double u = random.nextDouble();
                double cumulative = 0;
                for (chosen = 0; chosen < logits.length - 1; chosen++) {
                    cumulative += Math.exp(logits[chosen] / temperature - logSum);
                    if (u < cumulative) {
                        break;
                    }
                }
            }
            int top = params.topLogprobs();
            int[] topIds = new int[top];
            float[] topLogprobs = new float[top];
            boolean[] taken = new boolean[logits.length];
            for (int k = 0; k < top; k++) {
                int best = -1;
                for (int i = 0; i < logits.length; i++) {
                    if (!taken[i] && (best < 0 || logits[i] > logits[best])) {
                        best = i;
                    }
                }
                taken[best] = true;
                topIds[k] = best;
                topLogprobs[k] = (float) (logits[best] / temperature - logSum);
            }
            return new SampledToken(chosen, (float) (logits[chosen] / temperature - logSum), topIds, topLogprobs);
        };
    }
}
