package io.moeplatform.inference.cpu;

/**
 * {@code out[t, n] = sum_k x[t, k] * W[n, k] (+ bias[n])} for {@code x [T, K]},
 * {@code W [N, K]} in its stored dtype. Output rows are split over threads;
 * each weight row is converted to fp32 once into a per-thread buffer and then
 * reused for every token (two rows by four tokens at a time), so a prefill reads
 * each weight once. Decode-sized steps (under four tokens) dot straight from
 * the stored row instead.
 */
final class LinearKernel {

    private final ParallelLoop loop;
    private final ThreadLocal<float[]> rowBuffers = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> secondRows = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> dotResults = ThreadLocal.withInitial(() -> new float[8]);

    LinearKernel(ParallelLoop loop) {
        this.loop = loop;
    }

    /**
     * @param x
     *            {@code [tokens, K]} at offset 0
     * @param outStride
     *            row stride of {@code out} (at least N)
     */
    void run(float[] x, int tokens, CpuWeight w, float[] bias, float[] out, int outStride) {
        int k = w.columns();
        int n = w.rows();
        int minRows = Math.max(1, 32768 / Math.max(1, k * tokens));
        loop.forRange(n, minRows, (from, to) -> rows(x, tokens, w, bias, out, outStride, from, to));
    }

    /** The rows {@code [from, to)} of W, on the calling thread. */
    void rows(float[] x, int tokens, CpuWeight w, float[] bias, float[] out, int outStride, int from, int to) {
        int k = w.columns();
        float[] row = buffer(rowBuffers, k);
        float[] row2 = buffer(secondRows, k);
        float[] eight = dotResults.get();
        boolean fused = tokens < 4 && WeightRows.hasFusedDot(w);
        int r = from;
        if (!fused) {
            // two weight rows against four tokens at a time
            for (; r + 2 <= to; r += 2) {
                WeightRows.load(w, r, row, 0);
                WeightRows.load(w, r + 1, row2, 0);
                float b0 = bias.length == 0 ? 0f : bias[r];
                float b1 = bias.length == 0 ? 0f : bias[r + 1];
                int t = 0;
                for (; t + 4 <= tokens; t += 4) {
                    FloatVectors.dot4x2(x, t * k, k, row, row2, k, eight);
                    for (int j = 0; j < 4; j++) {
                        out[(t + j) * outStride + r] = eight[j] + b0;
                        out[(t + j) * outStride + r + 1] = eight[4 + j] + b1;
                    }
                }
                for (; t < tokens; t++) {
                    out[t * outStride + r] = FloatVectors.dot(x, t * k, row, 0, k) + b0;
                    out[t * outStride + r + 1] = FloatVectors.dot(x, t * k, row2, 0, k) + b1;
                }
            }
        }
        for (; r < to; r++) {
            float b = bias.length == 0 ? 0f : bias[r];
            if (fused) {
                // decode: read the stored row once per token, no conversion pass
                for (int t = 0; t < tokens; t++) {
                    out[t * outStride + r] = WeightRows.dot(w, r, x, t * k) + b;
                }
                continue;
            }
            WeightRows.load(w, r, row, 0);
            int t = 0;
            for (; t + 4 <= tokens; t += 4) {
                FloatVectors.dot4(x, t * k, k, row, k, eight);
                for (int j = 0; j < 4; j++) {
                    out[(t + j) * outStride + r] = eight[j] + b;
                }
            }
            for (; t < tokens; t++) {
                out[t * outStride + r] = FloatVectors.dot(x, t * k, row, 0, k) + b;
            }
        }
    }

    static float[] buffer(ThreadLocal<float[]> local, int size) {
        float[] b = local.get();
        if (b.length < size) {
            b = new float[size];
            local.set(b);
        }
        return b;
    }
}
