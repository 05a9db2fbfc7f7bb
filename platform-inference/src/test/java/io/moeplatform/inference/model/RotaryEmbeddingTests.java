package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** Frequencies of each RoPE type follow transformers' modeling_rope_utils. */
class RotaryEmbeddingTests {

    private static final int DIM = 64;

    @Test
    void defaultFrequenciesAreInverseThetaPowers() {
        float[] f = new RotaryEmbedding(RopeScaling.unscaled(10000), DIM, 4096).inverseFrequencies(10);
        assertThat(f).hasSize(DIM / 2);
        assertThat(f[0]).isEqualTo(1f);
        assertThat((double) f[16]).isCloseTo(1 / Math.pow(10000, 32.0 / DIM), within(1e-9));
    }

    @Test
    void linearScalingDividesEveryFrequencyByTheFactor() {
        float[] base = new RotaryEmbedding(RopeScaling.unscaled(10000), DIM, 4096).inverseFrequencies(1);
        float[] linear = new RotaryEmbedding(scaling("linear", 4, null), DIM, 4096).inverseFrequencies(1);
        for (int i = 0; i < base.length; i++) {
            assertThat(linear[i]).isCloseTo(base[i] / 4, within(1e-9f));
        }
    }

    @Test
    void dynamicNtkRaisesThetaOnlyBeyondTheTrainedLength() {
        RotaryEmbedding rope = new RotaryEmbedding(scaling("dynamic", 2, null), DIM, 1024);
        float[] base = new RotaryEmbedding(RopeScaling.unscaled(10000), DIM, 1024).inverseFrequencies(1);
        assertThat(rope.inverseFrequencies(1024)).containsExactly(base);
        // theta' = theta * (factor * len / max - (factor - 1)) ^ (dim / (dim - 2))
        double theta = 10000 * Math.pow(2.0 * 4096 / 1024 - 1, DIM / (DIM - 2.0));
        assertThat((double) rope.inverseFrequencies(4096)[1]).isCloseTo(1 / Math.pow(theta, 2.0 / DIM),
                within(1e-6));
    }

    @Test
    void yarnKeepsHighFrequenciesInterpolatesLowOnesAndScalesAttention() {
        RotaryEmbedding rope = new RotaryEmbedding(scaling("yarn", 4, 4096), DIM, 16384);
        float[] base = new RotaryEmbedding(RopeScaling.unscaled(10000), DIM, 16384).inverseFrequencies(1);
        float[] yarn = rope.inverseFrequencies(1);
        assertThat(yarn[0]).isEqualTo(base[0]);
        assertThat(yarn[DIM / 2 - 1]).isCloseTo(base[DIM / 2 - 1] / 4, within(1e-12f));
        assertThat(rope.attentionScaling()).isCloseTo((float) (0.1 * Math.log(4) + 1), within(1e-6f));
    }

    private static RopeScaling scaling(String type, double factor, Integer original) {
        return new RopeScaling(type, 10000, factor, original, null, 32, 1, null, null, true);
    }
}
