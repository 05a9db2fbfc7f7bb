package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.AttentionShape;
import io.moeplatform.inference.model.DeepSeekBackend;
import io.moeplatform.inference.model.ExpertRouting;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.LatentAttentionShape;
import io.moeplatform.inference.model.MlpWeights;
import io.moeplatform.inference.model.ModelBackend;
import io.moeplatform.inference.model.MoeWeights;
import io.moeplatform.inference.model.RotaryEmbedding;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import io.moeplatform.inference.model.Tensor;
import io.moeplatform.inference.model.WeightTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@link ModelBackend} in pure Java: weights read in place from the mapped
 * checkpoint, fp32 activations on the heap, Vector API kernels split over a
 * fixed thread pool.
 */
final class CpuBackend implements DeepSeekBackend {

    private final ParallelLoop loop;
    private final LinearKernel linear;
    private final ExpertKernel experts;
    private final CpuLowRankUpdates lowRankUpdates;
    private final ThreadLocal<float[]> scores = ThreadLocal.withInitial(() -> new float[0]);
    private final List<CpuActivations> scratch = new ArrayList<>();
    private int scratchUsed;
    private @Nullable PagedKvCache cache;
    private @Nullable PagedLatentCache latentCache;
    // fp32 copies of kv_b_proj, which MLA reads per head and token: dequantized once, on first use
    private final Map<Tensor, float[]> expandedKvB = new IdentityHashMap<>();

    // the current step: one entry per token, in slice order
    private List<SequenceSlice> slices = List.of();
    private int tokens;
    private int[] tokenIds = new int[0];
    private int[] positions = new int[0];
    private int[] sliceOfToken = new int[0];
    // rotary cos/sin [T, headDim/2] of the current step, computed on first use
    private float[] cos = new float[0];
    private float[] sin = new float[0];
    private @Nullable RotaryEmbedding rotaryOfStep;

    CpuBackend(int threads) {
        this.loop = new ParallelLoop(threads);
        this.linear = new LinearKernel(loop);
        this.experts = new ExpertKernel(loop, linear);
        this.lowRankUpdates = new CpuLowRankUpdates(loop, linear, experts);
    }

    /** LoRA updates computed with this backend's kernels and threads. */
    CpuLowRankUpdates lowRankUpdates() {
        return lowRankUpdates;
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public Tensor weight(WeightTensor source) {
        return new CpuWeight(source);
    }

    @Override
    public KvCacheGeometry allocateKvCache(KvCacheShape shape, int blockSize, int blockCount) {
        if (shape.latent()) {
            latentCache = new PagedLatentCache(shape, blockSize, blockCount);
            return new KvCacheGeometry(blockSize, blockCount, latentCache.bytesPerBlock());
        }
        cache = new PagedKvCache(shape, blockSize, blockCount);
        return new KvCacheGeometry(blockSize, blockCount, cache.bytesPerBlock());
    }

    @Override
    public void beginStep(StepBatch batch) {
        slices = batch.slices();
        tokens = batch.tokenCount();
        tokenIds = new int[tokens];
        positions = new int[tokens];
        sliceOfToken = new int[tokens];
        int t = 0;
        for (int s = 0; s < slices.size(); s++) {
            SequenceSlice slice = slices.get(s);
            for (int i = 0; i < slice.tokenIds().length; i++, t++) {
                tokenIds[t] = slice.tokenIds()[i];
                positions[t] = slice.startPosition() + i;
                sliceOfToken[t] = s;
            }
        }
        scratchUsed = 0;
        rotaryOfStep = null;
    }

    @Override
    public Tensor activations(int columns) {
        CpuActivations a;
        if (scratchUsed < scratch.size() && scratch.get(scratchUsed).columns() == columns) {
            a = scratch.get(scratchUsed);
            a.reshape(tokens);
        } else {
            a = new CpuActivations(tokens, columns);
            if (scratchUsed < scratch.size()) {
                scratch.set(scratchUsed, a);
            } else {
                scratch.add(a);
            }
        }
        scratchUsed++;
        return a;
    }

    @Override
    public void embed(Tensor table, Tensor out) {
        CpuWeight w = (CpuWeight) table;
        CpuActivations o = (CpuActivations) out;
        for (int t = 0; t < tokens; t++) {
            WeightRows.load(w, tokenIds[t], o.data, t * o.columns());
        }
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, int groupSize, Tensor out) {
        float[] in = ((CpuActivations) x).data;
        float[] o = ((CpuActivations) out).data;
        float[] w = ((CpuWeight) weight).vector;
        int groups = tokens * x.columns() / groupSize;
        for (int g = 0; g < groups; g++) {
            int base = g * groupSize;
            float ss = FloatVectors.dot(in, base, in, base, groupSize);
            float r = (float) (1.0 / Math.sqrt(ss / groupSize + eps));
            for (int i = 0; i < groupSize; i++) {
                o[base + i] = w[i] * (in[base + i] * r);
            }
        }
    }

    @Override
    public void linear(Tensor x, Tensor weight, @Nullable Tensor bias, Tensor out) {
        float[] b = bias == null ? new float[0] : ((CpuWeight) bias).vector;
        linear.run(((CpuActivations) x).data, tokens, (CpuWeight) weight, b, ((CpuActivations) out).data,
                out.columns());
    }

    @Override
    public void rotary(Tensor x, int headDim, RotaryEmbedding rope) {
        int half = headDim / 2;
        rotaryTables(rope, half);
        // x' = x * cos + rotate_half(x) * sin, rotate_half(x) = (-x[half..], x[..half])
        float[] d = ((CpuActivations) x).data;
        int heads = x.columns() / headDim;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                rotate(d, t * x.columns() + h * headDim, t, half, false);
            }
        }
    }

    /**
     * Rotates one head of {@code 2 * half} values at {@code base} by token {@code t}'s angles: pairs
     * {@code (x[i], x[i + half])}, or {@code (x[2i], x[2i + 1])} when {@code interleaved}.
     */
    private void rotate(float[] d, int base, int t, int half, boolean interleaved) {
        for (int i = 0; i < half; i++) {
            float c = cos[t * half + i];
            float s = sin[t * half + i];
            int ia = interleaved ? base + 2 * i : base + i;
            int ib = interleaved ? ia + 1 : base + half + i;
            float a = d[ia];
            float b = d[ib];
            d[ia] = a * c - b * s;
            d[ib] = b * c + a * s;
        }
    }

    /** cos/sin {@code [T, half]} of the step for {@code rope}, times its attention scaling. */
    private void rotaryTables(RotaryEmbedding rope, int half) {
        if (rotaryOfStep != rope) {
            cos = cos.length >= tokens * half ? cos : new float[tokens * half];
            sin = sin.length >= tokens * half ? sin : new float[tokens * half];
            float scale = rope.attentionScaling();
            for (int t = 0; t < tokens; t++) {
                SequenceSlice s = slices.get(sliceOfToken[t]);
                float[] inv = rope.inverseFrequencies(s.startPosition() + s.tokenIds().length);
                for (int i = 0; i < half; i++) {
                    float angle = inv[i] * positions[t];
                    cos[t * half + i] = (float) Math.cos(angle) * scale;
                    sin[t * half + i] = (float) Math.sin(angle) * scale;
                }
            }
            rotaryOfStep = rope;
        }
    }

    @Override
    public void latentAttention(int layer, Tensor q, Tensor compressedKv, Tensor kvNorm, float eps, Tensor kvB,
            LatentAttentionShape s, RotaryEmbedding rope, Tensor out) {
        PagedLatentCache latents = requireLatentCache();
        int rank = s.kvLoraRank();
        int width = s.latentWidth();
        int qk = s.qkHeadDim();
        rotaryTables(rope, s.ropeDim() / 2);
        // the latent rows of this step: [rmsNorm(c_kv) | rope(k_pe)], then into the cache
        float[] kv = ((CpuActivations) compressedKv).data;
        float[] norm = ((CpuWeight) kvNorm).vector;
        float[] row = new float[width];
        for (int t = 0; t < tokens; t++) {
            int base = t * width;
            float r = (float) (1.0 / Math.sqrt(FloatVectors.dot(kv, base, kv, base, rank) / rank + eps));
            for (int i = 0; i < rank; i++) {
                row[i] = norm[i] * (kv[base + i] * r);
            }
            System.arraycopy(kv, base + rank, row, rank, s.ropeDim());
            rotate(row, rank, t, s.ropeDim() / 2, s.interleavedRope());
            latents.write(layer, slices.get(sliceOfToken[t]).blockTable(), positions[t], row, 0);
        }
        float[] qd = ((CpuActivations) q).data;
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < s.heads(); h++) {
                rotate(qd, t * q.columns() + h * qk + s.nopeDim(), t, s.ropeDim() / 2, s.interleavedRope());
            }
        }
        float[] wkv = expandedKvB.computeIfAbsent(kvB, w -> {
            CpuWeight cw = (CpuWeight) w;
            float[] all = new float[cw.rows() * cw.columns()];
            for (int i = 0; i < cw.rows(); i++) {
                WeightRows.load(cw, i, all, i * cw.columns());
            }
            return all;
        });
        float[] od = ((CpuActivations) out).data;
        int maxPosition = 0;
        for (int p : positions) {
            maxPosition = Math.max(maxPosition, p);
        }
        int scoreSize = maxPosition + 1;
        int perHead = s.nopeDim() + s.vDim();
        int minPart = ParallelLoop.minPart(2L * scoreSize * width + (long) perHead * rank);
        // one work item per (token, head); latent-side scratch: qc [rank], outLatent [rank], scores
        loop.forRange(tokens * s.heads(), minPart, (from, to) -> {
            float[] sc = LinearKernel.buffer(scores, scoreSize);
            float[] qc = new float[rank];
            float[] latentOut = new float[rank];
            for (int idx = from; idx < to; idx++) {
                int t = idx / s.heads();
                int h = idx % s.heads();
                int qBase = t * q.columns() + h * qk;
                // qc = q_nope · W_uk[h]: W_uk[h] rows h*perHead .. + nopeDim, each [rank]
                Arrays.fill(qc, 0f);
                for (int d = 0; d < s.nopeDim(); d++) {
                    FloatVectors.axpy(qd[qBase + d], wkv, (h * perHead + d) * rank, qc, 0, rank);
                }
                latents.attend(layer, slices.get(sliceOfToken[t]).blockTable(), positions[t], s, qc, 0, qd,
                        qBase + s.nopeDim(), sc, latentOut);
                // out[t, h] = W_uv[h] · latentOut: W_uv[h] rows h*perHead + nopeDim .. + vDim
                int oBase = t * out.columns() + h * s.vDim();
                for (int e = 0; e < s.vDim(); e++) {
                    od[oBase + e] = FloatVectors.dot(wkv, (h * perHead + s.nopeDim() + e) * rank, latentOut, 0,
                            rank);
                }
            }
        });
    }

    @Override
    public void routedExperts(Tensor x, MoeWeights moe, ExpertRouting routing, @Nullable Tensor correctionBias,
            Tensor out) {
        float[] bias = correctionBias == null ? new float[0] : ((CpuWeight) correctionBias).vector;
        DeepSeekRouter router = new DeepSeekRouter(routing, moe.experts().size(), bias);
        experts.moe(((CpuActivations) x).data, tokens, x.columns(), moe, ((CpuActivations) out).data,
                experts::dense, router);
    }

    private PagedLatentCache requireLatentCache() {
        if (latentCache == null) {
            throw new IllegalStateException("allocateKvCache was not called with a latent shape");
        }
        return latentCache;
    }

    @Override
    public void pagedAttention(int layer, Tensor q, Tensor k, Tensor v, AttentionShape shape, Tensor out) {
        PagedKvCache kv = requireCache();
        float[] kd = ((CpuActivations) k).data;
        float[] vd = ((CpuActivations) v).data;
        for (int t = 0; t < tokens; t++) {
            kv.write(layer, slices.get(sliceOfToken[t]).blockTable(), positions[t], kd, vd, t * k.columns());
        }
        float[] qd = ((CpuActivations) q).data;
        float[] od = ((CpuActivations) out).data;
        int kvHeads = shape.kvHeads();
        int group = shape.heads() / kvHeads;
        int maxPosition = 0;
        for (int p : positions) {
            maxPosition = Math.max(maxPosition, p);
        }
        int scoreSize = group * (maxPosition + 1);
        int minPart = ParallelLoop.minPart(2L * scoreSize * shape.headDim());
        // one work item per (token, KV head): the GQA group shares each K/V read
        loop.forRange(tokens * kvHeads, minPart, (from, to) -> {
            float[] sc = LinearKernel.buffer(scores, scoreSize);
            for (int idx = from; idx < to; idx++) {
                int t = idx / kvHeads;
                int kvHead = idx % kvHeads;
                kv.attend(layer, slices.get(sliceOfToken[t]).blockTable(), positions[t], kvHead, kvHead * group,
                        group, shape, qd, t * q.columns(), od, t * out.columns(), sc);
            }
        });
    }

    @Override
    public void denseMlp(Tensor x, MlpWeights mlp, Tensor out) {
        experts.dense(((CpuActivations) x).data, tokens, x.columns(), mlp, ((CpuActivations) out).data);
    }

    @Override
    public void sparseMoe(Tensor x, MoeWeights moe, Tensor out) {
        experts.moe(((CpuActivations) x).data, tokens, x.columns(), moe, ((CpuActivations) out).data);
    }

    @Override
    public void add(Tensor acc, Tensor x) {
        FloatVectors.add(((CpuActivations) acc).data, ((CpuActivations) x).data, tokens * acc.columns());
    }

    @Override
    public StepResult logits(Tensor hidden, Tensor norm, float eps, Tensor lmHead) {
        int h = hidden.columns();
        float[] data = ((CpuActivations) hidden).data;
        List<Integer> rows = new ArrayList<>();
        int end = 0;
        for (SequenceSlice s : slices) {
            end += s.tokenIds().length;
            if (s.needsLogits()) {
                rows.add(end - 1);
            }
        }
        float[] selected = new float[rows.size() * h];
        float[] w = ((CpuWeight) norm).vector;
        for (int i = 0; i < rows.size(); i++) {
            int base = rows.get(i) * h;
            float ss = FloatVectors.dot(data, base, data, base, h);
            float r = (float) (1.0 / Math.sqrt(ss / h + eps));
            for (int j = 0; j < h; j++) {
                selected[i * h + j] = w[j] * (data[base + j] * r);
            }
        }
        CpuWeight head = (CpuWeight) lmHead;
        int vocab = head.rows();
        float[] flat = new float[rows.size() * vocab];
        linear.run(selected, rows.size(), head, new float[0], flat, vocab);
        float[][] logits = new float[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            logits[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
        }
        return new StepResult(logits);
    }

    private PagedKvCache requireCache() {
        if (cache == null) {
            throw new IllegalStateException("allocateKvCache was not called");
        }
        return cache;
    }

    @Override
    public void close() {
        loop.close();
        cache = null;
        latentCache = null;
        expandedKvB.clear();
    }
}
