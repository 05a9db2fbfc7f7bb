package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.MlpWeights;
import io.moeplatform.inference.model.MoeWeights;
import java.util.Arrays;
import java.util.List;

/**
 * SwiGLU feed-forward blocks, dense or routed. For MoE the tokens are grouped
 * per expert and each active expert runs one batched matmul over its own
 * tokens only:
 *
 * <pre>
 * p[t]        = softmax(x[t] · router^T)                 [T, E]
 * top[t]      = k largest p[t, e] (renormalized if asked)
 * X_e         = rows of x routed to e                     [n_e, H]
 * A_e         = silu(X_e Wg_e^T) * (X_e Wu_e^T)          [n_e, I]
 * out[t]     += p[t, e] * (A_e Wd_e^T)[row of t]          experts in ascending id
 * </pre>
 *
 * The gate/up pass and the down pass are each split over threads by (expert,
 * output row), so even one decoding token keeps all threads busy.
 */
final class ExpertKernel {

    private final ParallelLoop loop;
    private final LinearKernel linear;
    private final ThreadLocal<float[]> gateRows = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> upRows = ThreadLocal.withInitial(() -> new float[0]);
    private final ThreadLocal<float[]> dots = ThreadLocal.withInitial(() -> new float[8]);
    private float[] routerLogits = new float[0];
    private float[] gathered = new float[0];
    private float[] activated = new float[0];
    private float[] expertOut = new float[0];
    private float[] shared = new float[0];

    ExpertKernel(ParallelLoop loop, LinearKernel linear) {
        this.loop = loop;
        this.linear = linear;
    }

    /** {@code out [T, H] = down(silu(gate(x)) * up(x))} over all tokens. */
    void dense(float[] x, int tokens, int hidden, MlpWeights mlp, float[] out) {
        int inter = mlp.gate().rows();
        activated = grow(activated, tokens * inter);
        run(x, new int[]{0}, new int[]{tokens}, List.of(mlp), hidden, inter, activated, out);
    }

    /** A dense SwiGLU block over all tokens: {@code out [T, H] = down(silu(gate(x)) * up(x))}. */
    @FunctionalInterface
    interface DenseMlp {
        void run(float[] x, int tokens, int hidden, MlpWeights mlp, float[] out);
    }

    /** {@code out [T, H]} = routed experts (plus the gated shared expert) of {@code x [T, H]}. */
    void moe(float[] x, int tokens, int hidden, MoeWeights moe, float[] out) {
        moe(x, tokens, hidden, moe, out, this::dense);
    }

    /** As {@link #moe(float[], int, int, MoeWeights, float[])}, with the shared expert computed by {@code shared}. */
    void moe(float[] x, int tokens, int hidden, MoeWeights moe, float[] out, DenseMlp sharedMlp) {
        int experts = moe.experts().size();
        float[] p = new float[experts];
        moe(x, tokens, hidden, moe, out, sharedMlp, (logits, offset, chosen, weights, at) -> route(logits, offset,
                experts, moe.topK(), moe.normalizeTopK(), p, chosen, weights, at));
    }

    /**
     * Picks {@code k} experts of one token from its router logits {@code [E]} at {@code offset}: their ids into
     * {@code chosen[at ..]} and their weights into {@code weights[at ..]}.
     */
    @FunctionalInterface
    interface Router {
        void route(float[] logits, int offset, int[] chosen, float[] weights, int at);
    }

    /** The MoE block with the experts that {@code router} picks (and the gated shared expert, if any). */
    void moe(float[] x, int tokens, int hidden, MoeWeights moe, float[] out, DenseMlp sharedMlp, Router router) {
        int experts = moe.experts().size();
        int k = moe.topK();
        routerLogits = grow(routerLogits, tokens * experts);
        linear.run(x, tokens, (CpuWeight) moe.router(), new float[0], routerLogits, experts);
        int[] chosen = new int[tokens * k];
        float[] weights = new float[tokens * k];
        int[] count = new int[experts];
        for (int t = 0; t < tokens; t++) {
            router.route(routerLogits, t * experts, chosen, weights, t * k);
            for (int j = 0; j < k; j++) {
                count[chosen[t * k + j]]++;
            }
        }
        // groups in ascending expert id; inside a group tokens in ascending order
        int active = 0;
        for (int c : count) {
            active += c > 0 ? 1 : 0;
        }
        int[] groupExpert = new int[active];
        int[] groupStart = new int[active];
        int[] groupSize = new int[active];
        int[] startOfExpert = new int[experts];
        int g = 0;
        int row = 0;
        for (int e = 0; e < experts; e++) {
            if (count[e] > 0) {
                groupExpert[g] = e;
                groupStart[g] = row;
                groupSize[g] = count[e];
                startOfExpert[e] = row;
                row += count[e];
                g++;
            }
        }
        int rows = row;
        int[] rowToken = new int[rows];
        float[] rowWeight = new float[rows];
        int[] fill = new int[experts];
        gathered = grow(gathered, rows * hidden);
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                int e = chosen[t * k + j];
                int r = startOfExpert[e] + fill[e]++;
                rowToken[r] = t;
                rowWeight[r] = weights[t * k + j];
                System.arraycopy(x, t * hidden, gathered, r * hidden, hidden);
            }
        }
        // stable order inside a group: rows were filled by ascending token already
        MlpWeights[] groupWeights = new MlpWeights[active];
        for (int i = 0; i < active; i++) {
            groupWeights[i] = moe.experts().get(groupExpert[i]);
        }
        int inter = moe.experts().getFirst().gate().rows();
        activated = grow(activated, rows * inter);
        expertOut = grow(expertOut, rows * hidden);
        run(gathered, groupStart, groupSize, Arrays.asList(groupWeights), hidden, inter, activated, expertOut);
        Arrays.fill(out, 0, tokens * hidden, 0f);
        for (int r = 0; r < rows; r++) {
            FloatVectors.axpy(rowWeight[r], expertOut, r * hidden, out, rowToken[r] * hidden, hidden);
        }
        if (moe.sharedExpert() != null && moe.sharedExpertGate() != null) {
            shared = grow(shared, tokens * hidden);
            sharedMlp.run(x, tokens, hidden, moe.sharedExpert(), shared);
            float[] gate = new float[tokens];
            linear.run(x, tokens, (CpuWeight) moe.sharedExpertGate(), new float[0], gate, 1);
            for (int t = 0; t < tokens; t++) {
                float s = 1f / (1f + (float) Math.exp(-gate[t]));
                FloatVectors.axpy(s, shared, t * hidden, out, t * hidden, hidden);
            }
        }
    }

    /** {@code p[0 .. n) = softmax(logits[offset .. offset + n))} in fp32. */
    static void softmax(float[] logits, int offset, int n, float[] p) {
        float max = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < n; e++) {
            max = Math.max(max, logits[offset + e]);
        }
        float sum = 0f;
        for (int e = 0; e < n; e++) {
            p[e] = (float) Math.exp(logits[offset + e] - max);
            sum += p[e];
        }
        for (int e = 0; e < n; e++) {
            p[e] /= sum;
        }
    }

    /** Softmax over the router logits, then the k most probable experts in descending order. */
    private static void route(float[] logits, int offset, int experts, int k, boolean normalize, float[] p,
            int[] chosen, float[] weights, int at) {
        softmax(logits, offset, experts, p);
        float total = 0f;
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (p[e] >= 0 && (best < 0 || p[e] > p[best])) {
                    best = e;
                }
            }
            chosen[at + j] = best;
            weights[at + j] = p[best];
            total += p[best];
            p[best] = -1f;
        }
        if (normalize) {
            for (int j = 0; j < k; j++) {
                weights[at + j] /= total;
            }
        }
    }

    /**
     * For each group i: rows {@code groupStart[i] .. + groupSize[i]} of
     * {@code x [rows, H]} through expert {@code mlps[i]} into the same rows of
     * {@code y [rows, H]}; {@code act [rows, I]} is scratch.
     */
    private void run(float[] x, int[] groupStart, int[] groupSize, List<MlpWeights> mlps, int hidden, int inter,
            float[] act, float[] y) {
        int groups = mlps.size();
        int maxRows = 0;
        for (int s : groupSize) {
            maxRows = Math.max(maxRows, s);
        }
        int minPart = ParallelLoop.minPart(2L * hidden * maxRows);
        loop.forRange(groups * inter, minPart, (from, to) -> {
            float[] gRow = LinearKernel.buffer(gateRows, hidden);
            float[] uRow = LinearKernel.buffer(upRows, hidden);
            float[] d = dots.get();
            for (int idx = from; idx < to; idx++) {
                int gi = idx / inter;
                int r = idx % inter;
                MlpWeights m = mlps.get(gi);
                CpuWeight gw = (CpuWeight) m.gate();
                CpuWeight uw = (CpuWeight) m.up();
                int start = groupStart[gi];
                int end = start + groupSize[gi];
                if (groupSize[gi] < 4 && WeightRows.hasFusedDot(gw)) {
                    for (int t = start; t < end; t++) {
                        act[t * inter + r] = silu(WeightRows.dot(gw, r, x, t * hidden)) * WeightRows.dot(uw, r, x,
                                t * hidden);
                    }
                    continue;
                }
                WeightRows.load(gw, r, gRow, 0);
                WeightRows.load(uw, r, uRow, 0);
                int t = start;
                for (; t + 4 <= end; t += 4) {
                    FloatVectors.dot4x2(x, t * hidden, hidden, gRow, uRow, hidden, d);
                    for (int j = 0; j < 4; j++) {
                        act[(t + j) * inter + r] = silu(d[j]) * d[4 + j];
                    }
                }
                for (; t < end; t++) {
                    float gv = FloatVectors.dot(x, t * hidden, gRow, 0, hidden);
                    float uv = FloatVectors.dot(x, t * hidden, uRow, 0, hidden);
                    act[t * inter + r] = silu(gv) * uv;
                }
            }
        });
        int minDown = ParallelLoop.minPart((long) inter * maxRows);
        loop.forRange(groups * hidden, minDown, (from, to) -> {
            float[] dRow = LinearKernel.buffer(gateRows, inter);
            float[] d = dots.get();
            for (int idx = from; idx < to; idx++) {
                int gi = idx / hidden;
                int r = idx % hidden;
                CpuWeight dw = (CpuWeight) mlps.get(gi).down();
                int start = groupStart[gi];
                int end = start + groupSize[gi];
                if (groupSize[gi] < 4 && WeightRows.hasFusedDot(dw)) {
                    for (int t = start; t < end; t++) {
                        y[t * hidden + r] = WeightRows.dot(dw, r, act, t * inter);
                    }
                    continue;
                }
                WeightRows.load(dw, r, dRow, 0);
                int t = start;
                for (; t + 4 <= end; t += 4) {
                    FloatVectors.dot4(act, t * inter, inter, dRow, inter, d);
                    for (int j = 0; j < 4; j++) {
                        y[(t + j) * hidden + r] = d[j];
                    }
                }
                for (; t < end; t++) {
                    y[t * hidden + r] = FloatVectors.dot(act, t * inter, dRow, 0, inter);
                }
            }
        });
    }

    static float silu(float v) {
        return v / (1f + (float) Math.exp(-v));
    }

    private static float[] grow(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }
}
