package io.moeplatform.inference.model;

/**
 * One adapted projection: {@code y += scale * B (A x)} with {@code A [rank, in]} and {@code B [out, rank]}, both
 * row-major fp32.
 *
 * @param rank
 *            r
 * @param in
 *            input features of the projection
 * @param out
 *            output features of the projection
 * @param scale
 *            {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} for rsLoRA
 * @param a
 *            {@code [rank, in]}
 * @param b
 *            {@code [out, rank]}
 */
public record LowRankWeights(int rank, int in, int out, float scale, float[] a, float[] b) {

    public LowRankWeights {
        if (a.length != rank * in || b.length != out * rank) {
            throw new IllegalArgumentException("A needs " + rank + "x" + in + " and B " + out + "x" + rank
                    + " values, got " + a.length + " and " + b.length);
        }
    }

    /** Bytes held by A and B. */
    public long bytes() {
        return 4L * (a.length + b.length);
    }
}
