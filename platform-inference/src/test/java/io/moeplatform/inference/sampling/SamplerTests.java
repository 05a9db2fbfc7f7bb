package io.moeplatform.inference.sampling;

import static io.moeplatform.inference.sampling.SamplingFixtures.params;
import static io.moeplatform.inference.sampling.SamplingFixtures.softmax;
import static io.moeplatform.inference.sampling.SamplingFixtures.withLogprobs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.moeplatform.inference.SamplingParams;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTests {

    private static final int QWEN3_VOCABULARY = 151_936;

    @Test
    void greedyPicksTheArgmaxAndBreaksTiesTowardTheLowestId() {
        float[] logits = {0.1f, 3.0f, -2.0f, 3.0f, 2.9f};
        Sampler sampler = Samplers.create(SamplingParams.greedy(4), 1, logits.length);
        assertThat(sampler.sample(logits.clone(), RecordedHistory.EMPTY).tokenId()).isEqualTo(1);
    }

    @Test
    void greedyDoesNotDependOnTheSeed() {
        float[] logits = randomLogits(new Random(3), 5000);
        int first = Samplers.create(SamplingParams.greedy(4), 1, logits.length)
                .sample(logits.clone(), RecordedHistory.EMPTY).tokenId();
        int second = Samplers.create(SamplingParams.greedy(4), 987_654_321L, logits.length)
                .sample(logits.clone(), RecordedHistory.EMPTY).tokenId();
        assertThat(first).isEqualTo(second).isEqualTo(TokenRanking.argmax(logits));
    }

    @Test
    void sameSeedGivesTheSameTokensAndAnotherSeedOthers() {
        SamplingParams params = params(1f, 40, 0.95f, 0.01f);
        int[] a = generate(params, 42);
        int[] b = generate(params, 42);
        int[] c = generate(params, 43);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void logprobsAreTheLogSoftmaxAfterTemperature() {
        float[] logits = randomLogits(new Random(5), 20);
        SampledToken token = Samplers.create(withLogprobs(0.5f, 20), 9, logits.length).sample(logits.clone(),
                RecordedHistory.EMPTY);
        double[] p = softmax(logits, 0.5);
        assertThat(token.logprob()).isCloseTo((float) Math.log(p[token.tokenId()]), within(1e-5f));
        double total = 0;
        for (int i = 0; i < token.topTokenIds().length; i++) {
            assertThat(token.topLogprobs()[i]).isCloseTo((float) Math.log(p[token.topTokenIds()[i]]), within(1e-5f));
            total += Math.exp(token.topLogprobs()[i]);
        }
        assertThat(total).as("all 20 tokens of a 20-token vocabulary sum to probability 1").isCloseTo(1.0,
                within(1e-5));
    }

    @Test
    void topLogprobsAreTheNMostLikelyInDescendingOrder() {
        float[] logits = randomLogits(new Random(6), 1000);
        SampledToken token = Samplers.create(withLogprobs(1f, 5), 9, logits.length).sample(logits.clone(),
                RecordedHistory.EMPTY);
        int[] expected = IntStream.range(0, logits.length).boxed()
                .sorted((x, y) -> Float.compare(logits[y], logits[x])).limit(5).mapToInt(Integer::intValue)
                .toArray();
        assertThat(token.topTokenIds()).containsExactly(expected);
        for (int i = 1; i < 5; i++) {
            assertThat(token.topLogprobs()[i]).isLessThanOrEqualTo(token.topLogprobs()[i - 1]);
        }
    }

    @Test
    void greedyLogprobIsTheLogSoftmaxOfThePenalizedLogits() {
        float[] logits = {2f, 1f, 0f};
        SamplingParams params = new SamplingParams(0f, 0, 1f, 0f, null, 0f, 0f, 2f, 8, true, 1);
        SampledToken token = Samplers.create(params, 1, 3).sample(logits.clone(),
                new RecordedHistory(new int[]{0}, new int[0]));
        // Token 0 is penalized to 2 / 2 = 1, a tie with token 1: greedy keeps the lower id.
        double expected = 1 - Math.log(Math.exp(1) + Math.exp(1) + Math.exp(0));
        assertThat(token.tokenId()).isZero();
        assertThat(token.logprob()).isCloseTo((float) expected, within(1e-6f));
        assertThat(token.topTokenIds()).containsExactly(0);
    }

    @Test
    void withoutLogprobsNoAlternativesAreReturned() {
        SampledToken token = Samplers.create(params(1f, 0, 1f, 0f), 1, 3).sample(new float[]{1f, 2f, 3f},
                RecordedHistory.EMPTY);
        assertThat(token.topTokenIds()).isEmpty();
        assertThat(token.topLogprobs()).isEmpty();
    }

    @Test
    void fullVocabularyTopKDrawsStayInsideTheTopK() {
        float[] logits = randomLogits(new Random(7), QWEN3_VOCABULARY);
        int[] sorted = IntStream.range(0, logits.length).boxed()
                .sorted((x, y) -> Float.compare(logits[y], logits[x])).limit(50).mapToInt(Integer::intValue)
                .toArray();
        Arrays.sort(sorted);
        Sampler sampler = Samplers.create(params(1.3f, 50, 0.9f, 0f), 77, logits.length);
        for (int i = 0; i < 50; i++) {
            int token = sampler.sample(logits.clone(), RecordedHistory.EMPTY).tokenId();
            assertThat(Arrays.binarySearch(sorted, token)).as("token %d is among the 50 best", token)
                    .isNotNegative();
        }
    }

    @Test
    void rejectsLogitsOfAnotherVocabularySize() {
        Sampler sampler = Samplers.create(params(1f, 0, 1f, 0f), 1, 10);
        assertThatThrownBy(() -> sampler.sample(new float[9], RecordedHistory.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Expected 10 logits");
    }

    /** 100 tokens from changing logits, as a decode loop would produce them. */
    private static int[] generate(SamplingParams params, long seed) {
        Random logitsSource = new Random(1);
        Sampler sampler = Samplers.create(params, seed, 2000);
        int[] tokens = new int[100];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = sampler.sample(randomLogits(logitsSource, 2000), RecordedHistory.EMPTY).tokenId();
        }
        return tokens;
    }

    private static float[] randomLogits(Random random, int size) {
        float[] logits = new float[size];
        for (int i = 0; i < size; i++) {
            logits[i] = (float) (random.nextGaussian() * 3);
        }
        return logits;
    }
}
