package io.moeplatform.inference.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.SamplingParams;
import org.junit.jupiter.api.Test;

class PenaltiesTests {

    @Test
    void repetitionDividesPositiveAndMultipliesNegativeLogitsOfSeenTokensOnly() {
        float[] logits = {2f, -2f, 1f, 0.5f};
        // Token 0 seen in the prompt, token 1 generated; tokens 2 and 3 never seen.
        new Penalties(2f, 0f, 0f).apply(logits, new RecordedHistory(new int[]{0}, new int[]{1}));
        assertThat(logits).containsExactly(1f, -4f, 1f, 0.5f);
    }

    @Test
    void presenceAndFrequencySubtractPerGeneratedTokenAndIgnoreThePrompt() {
        float[] logits = {3f, 3f, 3f, 3f};
        // Token 0 generated twice, token 2 once, token 3 only in the prompt.
        new Penalties(1f, 0.5f, 0.25f).apply(logits, new RecordedHistory(new int[]{3}, new int[]{0, 2, 0}));
        assertThat(logits).containsExactly(3f - (2 * 0.25f + 0.5f), 3f, 3f - (0.25f + 0.5f), 3f);
    }

    @Test
    void negativePresencePenaltyEncouragesRepeats() {
        float[] logits = {1f, 1f};
        new Penalties(1f, -1f, 0f).apply(logits, new RecordedHistory(new int[0], new int[]{1}));
        assertThat(logits).containsExactly(1f, 2f);
    }

    @Test
    void repetitionPenaltyAppliesBeforePresenceAndFrequency() {
        float[] logits = {4f};
        new Penalties(2f, 1f, 1f).apply(logits, new RecordedHistory(new int[0], new int[]{0}));
        assertThat(logits).containsExactly(4f / 2 - 2f);
    }

    @Test
    void penaltyTurnsGreedyAwayFromARepeatedToken() {
        SamplingParams params = new SamplingParams(0f, 0, 1f, 0f, null, 0f, 1.5f, 1f, 8, false, 0);
        Sampler sampler = Samplers.create(params, 1, 3);
        RecordedHistory history = new RecordedHistory(new int[0], new int[]{2});
        assertThat(sampler.sample(new float[]{0f, 1f, 2f}, history).tokenId()).isEqualTo(1);
        assertThat(Samplers.create(SamplingParams.greedy(8), 1, 3).sample(new float[]{0f, 1f, 2f}, history)
                .tokenId()).isEqualTo(2);
    }
}
