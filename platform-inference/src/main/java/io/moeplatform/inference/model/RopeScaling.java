package io.moeplatform.inference.model;

import org.jspecify.annotations.Nullable;

/**
 * RoPE parameters of config.json: {@code rope_parameters} (transformers 5.x) or
 * {@code rope_theta} plus {@code rope_scaling} (4.x).
 *
 * @param type
 *            {@code default}, {@code linear}, {@code dynamic} or {@code yarn}
 * @param theta
 *            base of the rotation frequencies
 * @param factor
 *            context extension factor (1 for default)
 * @param originalMaxPositions
 *            pre-training context length, or null (then max_position_embeddings)
 * @param attentionFactor
 *            YaRN cos/sin scale, or null (derived from the factor)
 * @param betaFast
 *            YaRN high-frequency boundary in rotations (default 32)
 * @param betaSlow
 *            YaRN low-frequency boundary in rotations (default 1)
 * @param mscale
 *            YaRN mscale, or null
 * @param mscaleAllDim
 *            YaRN mscale_all_dim, or null
 * @param truncate
 *            YaRN: round the correction range to whole dimensions (default true)
 */
public record RopeScaling(String type, double theta, double factor, @Nullable Integer originalMaxPositions,
        @Nullable Double attentionFactor, double betaFast, double betaSlow, @Nullable Double mscale,
        @Nullable Double mscaleAllDim, boolean truncate) {

    public static RopeScaling unscaled(double theta) {
        return new RopeScaling("default", theta, 1.0, null, null, 32, 1, null, null, true);
    }
}
