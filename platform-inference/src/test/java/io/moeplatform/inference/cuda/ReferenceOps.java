package io.moeplatform.inference.cuda;

import java.util.Arrays;

/**
 * Plain-Java references for the kernels, written straight from the math (in float or double, with bf16 roundings
 * where HF transformers stores an intermediate in bf16). Inputs and outputs are fp32 arrays holding bf16 values.
 */
final class ReferenceOps {

    private ReferenceOps() {}

    static float[] rmsNorm(float[] x, float[] residual, float[] weight, int tokens, int hidden, float eps) {
        float[] out = new float[tokens * hidden];
        for (int t = 0; t < tokens; t++) {
            double sumsq = 0;
            float[] s = new float[hidden];
            for (int i = 0; i < hidden; i++) {
                int idx = t * hidden + i;
                s[i] = residual == null ? x[idx] : Bf16.round(x[idx] + residual[idx]);
                if (residual != null) {
                    residual[idx] = s[i];
                }
                sumsq += (double) s[i] * s[i];
            }
            double inv = 1.0 / Math.sqrt(sumsq / hidden + eps);
            for (int i = 0; i < hidden; i++) {
                out[t * hidden + i] = Bf16.round(weight[i] * Bf16.round((float) (s[i] * inv)));
            }
        }
        return out;
    }

    /** cos/sin tables [maxPos, headDim/2]: angle = pos * theta^(-2i/headDim), computed as HF does in fp32. */
    static float[][] ropeTables(int maxPos, int headDim, double theta) {
        int half = headDim / 2;
        float[] cos = new float[maxPos * half];
        float[] sin = new float[maxPos * half];
        for (int p = 0; p < maxPos; p++) {
            for (int i = 0; i < half; i++) {
                float invFreq = (float) (1.0 / Math.pow(theta, (2.0 * i) / headDim));
                float angle = p * invFreq;
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        return new float[][]{cos, sin};
    }

    /** In place on one head vector x[off .. off+headDim). */
    static void ropeHead(float[] x, int off, int headDim, int pos, float[] cos, float[] sin, float[] normW,
            float eps) {
        int half = headDim / 2;
        if (normW != null) {
            double sumsq = 0;
            for (int i = 0; i < headDim; i++) {
                sumsq += (double) x[off + i] * x[off + i];
            }
            double inv = 1.0 / Math.sqrt(sumsq / headDim + eps);
            for (int i = 0; i < headDim; i++) {
                x[off + i] = Bf16.round(normW[i] * Bf16.round((float) (x[off + i] * inv)));
            }
        }
        for (int i = 0; i < half; i++) {
            float c = cos[pos * half + i];
            float s = sin[pos * half + i];
            float a = x[off + i];
            float b = x[off + i + half];
            x[off + i] = Bf16.round(a * c - b * s);
            x[off + i + half] = Bf16.round(b * c + a * s);
        }
    }

    static float[] siluMul(float[] gateUp, int rows, int inter) {
        float[] out = new float[rows * inter];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < inter; j++) {
                double g = gateUp[r * 2 * inter + j];
                double u = gateUp[r * 2 * inter + inter + j];
                out[r * inter + j] = Bf16.round((float) (g / (1 + Math.exp(-g)) * u));
            }
        }
        return out;
    }

    /** Returns {ids as floats, weights} for each token, ids in descending probability, ties to the lower id. */
    static void router(float[] logits, int tokens, int experts, int topK, boolean renormalize, int[] ids,
            float[] weights) {
        for (int t = 0; t < tokens; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int e = 0; e < experts; e++) {
                max = Math.max(max, logits[t * experts + e]);
            }
            double[] p = new double[experts];
            double sum = 0;
            for (int e = 0; e < experts; e++) {
                p[e] = Math.exp(logits[t * experts + e] - max);
                sum += p[e];
            }
            boolean[] used = new boolean[experts];
            double picked = 0;
            for (int r = 0; r < topK; r++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!used[e] && (best < 0 || p[e] > p[best])) {
                        best = e;
                    }
                }
                used[best] = true;
                ids[t * topK + r] = best;
                weights[t * topK + r] = (float) (p[best] / sum);
                picked += p[best] / sum;
            }
            if (renormalize) {
                for (int r = 0; r < topK; r++) {
                    weights[t * topK + r] = (float) (weights[t * topK + r] / picked);
                }
            }
        }
    }

    /**
     * Decode attention over a paged cache laid out [blocks, blockSize, kvHeads, headDim]; q [seqs, qHeads, headDim].
     */
    static float[] pagedAttention(float[] q, float[] kCache, float[] vCache, int[] blockTables, int[] seqLens,
            int seqs, int qHeads, int kvHeads, int headDim, int blockSize, int maxBlocks, float scale) {
        float[] out = new float[seqs * qHeads * headDim];
        int group = qHeads / kvHeads;
        for (int b = 0; b < seqs; b++) {
            for (int h = 0; h < qHeads; h++) {
                int kvh = h / group;
                int len = seqLens[b];
                double[] s = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t < len; t++) {
                    int base = cacheOffset(blockTables[b * maxBlocks + t / blockSize], t % blockSize, kvh, kvHeads,
                            headDim, blockSize);
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += (double) q[(b * qHeads + h) * headDim + d] * kCache[base + d];
                    }
                    s[t] = dot * scale;
                    max = Math.max(max, s[t]);
                }
                double sum = 0;
                for (int t = 0; t < len; t++) {
                    s[t] = Math.exp(s[t] - max);
                    sum += s[t];
                }
                for (int d = 0; d < headDim; d++) {
                    double o = 0;
                    for (int t = 0; t < len; t++) {
                        int base = cacheOffset(blockTables[b * maxBlocks + t / blockSize], t % blockSize, kvh,
                                kvHeads, headDim, blockSize);
                        o += s[t] * vCache[base + d];
                    }
                    out[(b * qHeads + h) * headDim + d] = len == 0 ? 0f : (float) (o / sum);
                }
            }
        }
        return out;
    }

    static int cacheOffset(int block, int slot, int kvh, int kvHeads, int headDim, int blockSize) {
        return ((block * blockSize + slot) * kvHeads + kvh) * headDim;
    }

    /** Y [m, n] = X [m, k] · W [n, k]ᵀ in double. */
    static float[] linear(float[] x, float[] w, int m, int n, int k) {
        float[] y = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    acc += (double) x[i * k + p] * w[j * k + p];
                }
                y[i * n + j] = (float) acc;
            }
        }
        return y;
    }

    static int argmax(float[] row, int off, int len) {
        int best = -1;
        for (int i = 0; i < len; i++) {
            float v = row[off + i];
            if (!Float.isNaN(v) && (best < 0 || v > row[off + best])) {
                best = i;
            }
        }
        return Math.max(best, 0);
    }

    /** ‖a − b‖ / ‖b‖; NaN anywhere in a gives infinity (so that an unwritten, poisoned output never passes). */
    static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(actual.length + " != " + expected.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < actual.length; i++) {
            if (!Float.isFinite(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
            double d = (double) actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / Math.max(den, 1e-30));
    }

    static float[] copy(float[] a) {
        return Arrays.copyOf(a, a.length);
    }
}
