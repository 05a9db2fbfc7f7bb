package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.AdaptedModule;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.LowRankUpdates;
import io.moeplatform.inference.model.LowRankWeights;
import io.moeplatform.inference.model.MlpWeights;
import io.moeplatform.inference.model.MoeWeights;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LoRA on the CPU backend. The step's rows are grouped by adapter (segments), so each adapter's A and B are read
 * once per projection and step. For a group of n rows and one projection {@code A [r, K]}, {@code B [N, r]}:
 *
 * <pre>
 * ax[j, i]  = A[i] · x[row j]                   [n, r]   fp32 dots
 * out[row j, o] += scale * (B[o] · ax[j])       [n, N]   split over threads by o
 * </pre>
 *
 * Every value is a dot product of one row with one row, in the same order whatever else is in the step, so a row
 * gets bit-identical results alone and in any mixed batch. Adapted feed-forward blocks run as three separate
 * projections (gate, up, down) through {@link LinearKernel}, whose values equal {@link ExpertKernel}'s fused SwiGLU
 * for rows without an adapter.
 */
final class CpuLowRankUpdates implements LowRankUpdates {

    private static final float[] NO_BIAS = new float[0];

    private record Segment(AdapterWeights adapter, int[] rows) {}

    private final ParallelLoop loop;
    private final LinearKernel linear;
    private final ExpertKernel experts;
    private List<Segment> segments = List.of();
    private int tokens;
    private float[] ax = new float[0];
    private float[] gate = new float[0];
    private float[] up = new float[0];

    CpuLowRankUpdates(ParallelLoop loop, LinearKernel linear, ExpertKernel experts) {
        this.loop = loop;
        this.linear = linear;
        this.experts = experts;
    }

    @Override
    public void beginStep(StepBatch batch) {
        Map<String, List<Integer>> rowsByAdapter = new LinkedHashMap<>();
        int t = 0;
        for (SequenceSlice slice : batch.slices()) {
            int n = slice.tokenIds().length;
            if (slice.loraAdapterId() != null) {
                List<Integer> rows = rowsByAdapter.computeIfAbsent(slice.loraAdapterId(), id -> new ArrayList<>());
                for (int i = 0; i < n; i++) {
                    rows.add(t + i);
                }
            }
            t += n;
        }
        tokens = t;
        List<Segment> next = new ArrayList<>(rowsByAdapter.size());
        for (var entry : rowsByAdapter.entrySet()) {
            AdapterWeights adapter = batch.adapters().get(entry.getKey());
            if (adapter == null) {
                throw new IllegalArgumentException("LoRA adapter '" + entry.getKey() + "' is not loaded");
            }
            next.add(new Segment(adapter, entry.getValue().stream().mapToInt(Integer::intValue).toArray()));
        }
        segments = next;
    }

    @Override
    public void add(int layer, AdaptedModule module, Tensor x, Tensor out) {
        add(layer, module, ((CpuActivations) x).data, x.columns(), ((CpuActivations) out).data, out.columns());
    }

    private void add(int layer, AdaptedModule module, float[] x, int xColumns, float[] out, int outColumns) {
        for (Segment segment : segments) {
            LowRankWeights w = segment.adapter().get(layer, module);
            if (w == null) {
                continue;
            }
            int[] rows = segment.rows();
            int r = w.rank();
            int k = w.in();
            ax = grow(ax, rows.length * r);
            float[] a = w.a();
            float[] projected = ax;
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < rows.length; j++) {
                    projected[j * r + i] = FloatVectors.dot(a, i * k, x, rows[j] * xColumns, k);
                }
            }
            float[] b = w.b();
            float scale = w.scale();
            loop.forRange(w.out(), ParallelLoop.minPart((long) r * rows.length), (from, to) -> {
                for (int o = from; o < to; o++) {
                    for (int j = 0; j < rows.length; j++) {
                        out[rows[j] * outColumns + o] += FloatVectors.dot(b, o * r, projected, j * r, r) * scale;
                    }
                }
            });
        }
    }

    @Override
    public boolean adaptsMlp(int layer) {
        for (Segment segment : segments) {
            if (segment.adapter().adaptsMlp(layer)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void denseMlp(int layer, Tensor x, MlpWeights mlp, Tensor out) {
        swiGlu(layer, ((CpuActivations) x).data, tokens, x.columns(), mlp, ((CpuActivations) out).data);
    }

    @Override
    public void sparseMoe(int layer, Tensor x, MoeWeights moe, Tensor out) {
        experts.moe(((CpuActivations) x).data, tokens, x.columns(), moe, ((CpuActivations) out).data,
                (in, rows, hidden, shared, result) -> swiGlu(layer, in, rows, hidden, shared, result));
    }

    /** {@code out = down(silu(gate(x) + dGate) * (up(x) + dUp)) + dDown} with each row's own updates. */
    private void swiGlu(int layer, float[] x, int rows, int hidden, MlpWeights mlp, float[] out) {
        int inter = mlp.gate().rows();
        gate = grow(gate, rows * inter);
        up = grow(up, rows * inter);
        linear.run(x, rows, (CpuWeight) mlp.gate(), NO_BIAS, gate, inter);
        add(layer, AdaptedModule.GATE_PROJ, x, hidden, gate, inter);
        linear.run(x, rows, (CpuWeight) mlp.up(), NO_BIAS, up, inter);
        add(layer, AdaptedModule.UP_PROJ, x, hidden, up, inter);
        for (int i = 0; i < rows * inter; i++) {
            gate[i] = ExpertKernel.silu(gate[i]) * up[i];
        }
        linear.run(gate, rows, (CpuWeight) mlp.down(), NO_BIAS, out, hidden);
        add(layer, AdaptedModule.DOWN_PROJ, gate, inter, out, hidden);
    }

    private static float[] grow(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }
}
