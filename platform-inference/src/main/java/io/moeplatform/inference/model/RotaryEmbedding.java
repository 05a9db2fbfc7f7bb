package io.moeplatform.inference.model;

/**
 * Rotary position embedding frequencies as transformers computes them
 * ({@code modeling_rope_utils}): a head of {@code dim} values is rotated in
 * pairs {@code (x[i], x[i + dim/2])} by angle {@code position * invFreq[i]}, and
 * cos/sin are multiplied by {@link #attentionScaling()} (YaRN).
 */
public final class RotaryEmbedding {

    private final RopeScaling scaling;
    private final int dim;
    private final int maxPositions;
    private final float[] fixedInverseFrequencies;
    private final float attentionScaling;

    public RotaryEmbedding(RopeScaling scaling, int headDim, int maxPositionEmbeddings) {
        this.scaling = scaling;
        this.dim = headDim;
        this.maxPositions = maxPositionEmbeddings;
        switch (scaling.type()) {
            case "default" -> {
                fixedInverseFrequencies = base(scaling.theta());
                attentionScaling = 1f;
            }
            case "linear" -> {
                // inv_freq / factor: the same as dividing positions by the factor
                float[] f = base(scaling.theta());
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) (f[i] / scaling.factor());
                }
                fixedInverseFrequencies = f;
                attentionScaling = 1f;
            }
            case "dynamic" -> {
                fixedInverseFrequencies = null;
                attentionScaling = 1f;
            }
            case "yarn" -> {
                fixedInverseFrequencies = yarn();
                attentionScaling = (float) yarnAttentionFactor();
            }
            default -> throw new IllegalArgumentException("rope type '" + scaling.type()
                    + "' is not supported; supported: default, linear, dynamic, yarn");
        }
    }

    /** Factor applied to cos and sin. */
    public float attentionScaling() {
        return attentionScaling;
    }

    /**
     * {@code dim/2} inverse frequencies for a sequence of {@code sequenceLength}
     * tokens (only dynamic NTK depends on the length).
     */
    public float[] inverseFrequencies(int sequenceLength) {
        if (fixedInverseFrequencies != null) {
            return fixedInverseFrequencies;
        }
        // dynamic NTK: base * ((factor * len / max) - (factor - 1)) ^ (dim / (dim - 2)) once len > max, with max =
        // max_position_embeddings as transformers 5 uses it. len is the sequence's length after this step; K of
        // earlier steps stay rotated with the frequencies of their step, as in transformers' cached generation.
        int max = maxPositions;
        if (sequenceLength <= max) {
            return base(scaling.theta());
        }
        double f = scaling.factor();
        double theta = scaling.theta() * Math.pow(f * sequenceLength / max - (f - 1), dim / (dim - 2.0));
        return base(theta);
    }

    /** invFreq[i] = 1 / theta^(2i / dim), rounded to fp32 like torch. */
    private float[] base(double theta) {
        float[] f = new float[dim / 2];
        for (int i = 0; i < f.length; i++) {
            float exponent = (float) (2 * i) / dim;
            f[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        return f;
    }

    /**
     * YaRN: interpolate (divide by factor) the low frequencies, keep
     * (extrapolate) the high ones, with a linear ramp between the dimensions
     * that rotate betaFast and betaSlow times over the original context.
     */
    private float[] yarn() {
        double theta = scaling.theta();
        double factor = scaling.factor();
        int original = scaling.originalMaxPositions() != null ? scaling.originalMaxPositions() : maxPositions;
        double low = correctionDimension(scaling.betaFast(), theta, original);
        double high = correctionDimension(scaling.betaSlow(), theta, original);
        if (scaling.truncate()) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001;
        }
        float[] f = new float[dim / 2];
        for (int i = 0; i < f.length; i++) {
            float posFreq = (float) Math.pow(theta, (float) (2 * i) / dim);
            float extrapolation = 1f / posFreq;
            float interpolation = (float) (1.0 / (factor * posFreq));
            float ramp = (float) Math.clamp((i - low) / (high - low), 0.0, 1.0);
            float extrapolationFactor = 1f - ramp;
            f[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return f;
    }

    private double correctionDimension(double rotations, double theta, int original) {
        return dim * Math.log(original / (rotations * 2 * Math.PI)) / (2 * Math.log(theta));
    }

    private double yarnAttentionFactor() {
        if (scaling.attentionFactor() != null) {
            return scaling.attentionFactor();
        }
        double factor = scaling.factor();
        if (scaling.mscale() != null && scaling.mscaleAllDim() != null) {
            return mscale(factor, scaling.mscale()) / mscale(factor, scaling.mscaleAllDim());
        }
        return mscale(factor, 1);
    }

    private static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }
}
