package io.moeplatform.inference.sampling;

import io.moeplatform.inference.SamplingParams;

/** Parameter sets and reference math for the sampling tests. */
final class SamplingFixtures {

    private SamplingFixtures() {}

    static SamplingParams params(float temperature, int topK, float topP, float minP) {
        return new SamplingParams(temperature, topK, topP, minP, null, 0f, 0f, 1f, 16, false, 0);
    }

    static SamplingParams withLogprobs(float temperature, int topLogprobs) {
        return new SamplingParams(temperature, 0, 1f, 0f, null, 0f, 0f, 1f, 16, true, topLogprobs);
    }

    /** Logits whose softmax is exactly {@code probabilities} (up to float rounding). */
    static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    /** softmax(logits / temperature) in double precision. */
    static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit / temperature);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp(logits[i] / temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** How often each token is drawn over {@code draws} samples (fresh logits each time; the sampler edits them). */
    static double[] frequencies(Sampler sampler, float[] logits, int draws) {
        double[] counts = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits.clone(), RecordedHistory.EMPTY).tokenId()]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= draws;
        }
        return counts;
    }
}
