package io.moeplatform.inference.sampling;

import static io.moeplatform.inference.sampling.SamplingFixtures.frequencies;
import static io.moeplatform.inference.sampling.SamplingFixtures.logitsOf;
import static io.moeplatform.inference.sampling.SamplingFixtures.params;
import static io.moeplatform.inference.sampling.SamplingFixtures.softmax;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Draw frequencies over many seeded samples against the distribution the parameters define. Seeds are fixed, so the
 * tests are deterministic; tolerances are about four standard deviations of a frequency over 40,000 draws.
 */
class SamplerDistributionTests {

    private static final int DRAWS = 40_000;
    private static final double TOLERANCE = 0.01;
    // p = 0.5, 0.2, 0.15, 0.1, 0.05: top-p and min-p bounds below sit between these masses, never on them.
    private static final float[] FIVE = logitsOf(0.5, 0.2, 0.15, 0.1, 0.05);

    @Test
    void drawsFollowTheSoftmaxAtTemperatureOne() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f, 0.0f};
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 1f, 0f), 11, logits.length), logits, DRAWS);
        assertFrequencies(drawn, softmax(logits, 1.0));
    }

    @Test
    void temperatureSharpensAndFlattensTheDistribution() {
        float[] logits = {1.0f, 2.0f, 0.5f, -1.0f, 1.5f, 0.0f};
        double[] cold = frequencies(Samplers.create(params(0.5f, 0, 1f, 0f), 12, logits.length), logits, DRAWS);
        double[] hot = frequencies(Samplers.create(params(1.7f, 0, 1f, 0f), 13, logits.length), logits, DRAWS);
        assertFrequencies(cold, softmax(logits, 0.5));
        assertFrequencies(hot, softmax(logits, 1.7));
    }

    @Test
    void topKDrawsOnlyTheKBestRenormalized() {
        double[] drawn = frequencies(Samplers.create(params(1f, 2, 1f, 0f), 14, FIVE.length), FIVE, DRAWS);
        assertFrequencies(drawn, new double[]{0.5 / 0.7, 0.2 / 0.7, 0, 0, 0});
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // 0.5 + 0.2 = 0.7 < 0.8 <= 0.85 = 0.5 + 0.2 + 0.15: tokens 0, 1, 2 survive.
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 0.8f, 0f), 15, FIVE.length), FIVE, DRAWS);
        assertFrequencies(drawn, new double[]{0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85, 0, 0});
    }

    @Test
    void topPBelowTheBestTokenKeepsOnlyIt() {
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 0.3f, 0f), 16, FIVE.length), FIVE, DRAWS);
        assertThat(drawn).containsExactly(1, 0, 0, 0, 0);
    }

    @Test
    void topPAppliesAfterTopKToTheRenormalizedTopK() {
        // Top-3 renormalized: 0.588, 0.235, 0.176. top_p 0.8 is reached by the first two (0.824), whereas over the
        // whole vocabulary the first two hold only 0.7 and a third token would be kept.
        double[] drawn = frequencies(Samplers.create(params(1f, 3, 0.8f, 0f), 17, FIVE.length), FIVE, DRAWS);
        assertFrequencies(drawn, new double[]{0.5 / 0.7, 0.2 / 0.7, 0, 0, 0});
    }

    @Test
    void minPKeepsTokensAtLeastMinPTimesTheBest() {
        // Bound 0.25 * 0.5 = 0.125: keeps 0.5, 0.2, 0.15; drops 0.1 and 0.05.
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 1f, 0.25f), 18, FIVE.length), FIVE, DRAWS);
        assertFrequencies(drawn, new double[]{0.5 / 0.85, 0.2 / 0.85, 0.15 / 0.85, 0, 0});
    }

    @Test
    void minPCombinesWithTopK() {
        // Top-4 then bound 0.35 * 0.5 = 0.175: keeps 0.5 and 0.2.
        double[] drawn = frequencies(Samplers.create(params(1f, 4, 1f, 0.35f), 19, FIVE.length), FIVE, DRAWS);
        assertFrequencies(drawn, new double[]{0.5 / 0.7, 0.2 / 0.7, 0, 0, 0});
    }

    @Test
    void topPWidensItsRankingWhenTheMassIsSpreadOverManyTokens() {
        // 1,000 equally likely tokens: top_p 0.5 needs 500 of them, beyond the first ranking of 64.
        float[] flat = new float[1000];
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 0.5f, 0f), 20, flat.length), flat, 10_000);
        double kept = 0;
        for (int token = 0; token < flat.length; token++) {
            if (token < 500) {
                kept += drawn[token];
            } else {
                assertThat(drawn[token]).as("token %d is outside the nucleus", token).isZero();
            }
        }
        assertThat(kept).isEqualTo(1.0, within(1e-9));
        assertThat(drawn[499]).isPositive();
    }

    @Test
    void drawsAcrossAWideVocabularyFollowTheSoftmax() {
        // The vectorized chunk walk: heavy tokens in different 1,024-token chunks, including the very last id.
        float[] logits = wideLogits();
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 1f, 0f), 21, logits.length), logits, 20_000);
        assertFrequencies(sparse(drawn), sparse(softmax(logits, 1.0)));
    }

    @Test
    void minPOverAWideVocabularyDropsEveryLightToken() {
        float[] logits = wideLogits();
        double[] drawn = frequencies(Samplers.create(params(1f, 0, 1f, 0.05f), 22, logits.length), logits, 20_000);
        // Bound: p_max * 0.05, i.e. logit 2 + ln 0.05 = -1.0: the light tokens at -6 go, the four heavy ones stay.
        double[] heavy = softmax(new float[]{2f, 1f, 0.5f, 1.5f}, 1.0);
        assertFrequencies(sparse(drawn), new double[]{heavy[0], heavy[1], heavy[2], heavy[3], 0});
    }

    private static float[] wideLogits() {
        float[] logits = new float[4096];
        java.util.Arrays.fill(logits, -6f);
        logits[5] = 2f;
        logits[1500] = 1f;
        logits[3000] = 0.5f;
        logits[4095] = 1.5f;
        return logits;
    }

    /** The heavy tokens of {@link #wideLogits()} and the total of all others. */
    private static double[] sparse(double[] p) {
        double rest = 0;
        for (int token = 0; token < p.length; token++) {
            if (token != 5 && token != 1500 && token != 3000 && token != 4095) {
                rest += p[token];
            }
        }
        return new double[]{p[5], p[1500], p[3000], p[4095], rest};
    }

    private static void assertFrequencies(double[] drawn, double[] expected) {
        for (int token = 0; token < expected.length; token++) {
            if (expected[token] == 0) {
                assertThat(drawn[token]).as("token %d must never be drawn", token).isZero();
            } else {
                assertThat(drawn[token]).as("frequency of token %d", token).isCloseTo(expected[token],
                        within(TOLERANCE));
            }
        }
    }
}
