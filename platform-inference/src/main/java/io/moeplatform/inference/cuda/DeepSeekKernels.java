package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.ExpertRouting;
import io.moeplatform.inference.model.LatentAttentionShape;
import org.jspecify.annotations.Nullable;

/**
 * The DeepSeek kernels: multi-head latent attention over the paged latent cache ({@code mla_attention.cu}) and
 * DeepSeekMoE routing ({@code deepseek_routing.cu}); each kernel's comment there gives its math and shapes. Every
 * method only queues work on the stream; shapes are checked here first.
 */
final class DeepSeekKernels implements AutoCloseable {

    private static final int THREADS = 256;
    /** Latent columns per block of mla_absorb_query (MLA_STRIP; 4 slices of the nope dimension per column). */
    private static final int STRIP = 64;
    /** mla_attend keeps R/32 + 1 latent columns and P/32 + 1 rope columns per lane in registers. */
    static final int MAX_RANK = 1024;
    static final int MAX_ROPE_DIM = 128;
    static final int MAX_EXPERTS = 1024;
    static final int MAX_GROUPS = 64;

    private final CudaModule module;
    private final CudaFunction latentWrite;
    private final CudaFunction absorbQuery;
    private final CudaFunction attend;
    private final CudaFunction attendReduce;
    private final CudaFunction valueProjection;
    private final CudaFunction route;

    DeepSeekKernels(CudaContext context) {
        KernelImage image = KernelImage.read(CudaSettings.DEFAULT_KERNEL_RESOURCE);
        if (!image.compiled()) {
            throw new CudaUnavailableException("kernels were not compiled: " + image.buildStatus());
        }
        module = context.loadModule(image.bytes());
        latentWrite = module.function("mla_latent_write");
        absorbQuery = module.function("mla_absorb_query");
        attend = module.function("mla_attend");
        attendReduce = module.function("mla_attend_reduce");
        valueProjection = module.function("mla_value_projection");
        route = module.function("deepseek_route");
    }

    /** Fails when the model's MLA shape does not fit the kernels' register layout. */
    static void checkShape(LatentAttentionShape s) {
        if (s.kvLoraRank() > MAX_RANK || s.ropeDim() > MAX_ROPE_DIM || s.ropeDim() % 2 != 0) {
            throw new IllegalArgumentException("the CUDA MLA kernels take kv_lora_rank <= " + MAX_RANK
                    + " and an even qk_rope_head_dim <= " + MAX_ROPE_DIM + ", got " + s.kvLoraRank() + " and "
                    + s.ropeDim());
        }
    }

    /** {@code cache[slots[t]] = [rmsnorm(kv[t, :R]) * norm | rope(kv[t, R:])]} for every token with a slot. */
    void latentWrite(DeviceMemory kv, DeviceMemory norm, float eps, DeviceMemory cos, DeviceMemory sin,
            DeviceMemory positions, DeviceMemory slots, DeviceMemory cache, LatentAttentionShape s, int tokens,
            CudaStream stream) {
        int width = s.latentWidth();
        need(kv, (long) tokens * width * 2, "kv");
        need(norm, s.kvLoraRank() * 2L, "norm");
        need(positions, tokens * 4L, "positions");
        need(slots, tokens * 4L, "slots");
        latentWrite.launch(Dim3.of(tokens), Dim3.of(THREADS), 0, stream,
                new KernelArgs().ptr(kv).ptr(norm).f32(eps).ptr(cos).ptr(sin).ptr(positions).ptr(slots).ptr(cache)
                        .i32(s.kvLoraRank()).i32(s.ropeDim()).i32(s.interleavedRope() ? 1 : 0));
    }

    /** {@code qc[t, h] = q_nope[t, h] · W_uk[h]} and {@code qp[t, h] = rope(q_pe[t, h])}, both fp32. */
    void absorbQuery(DeviceMemory q, DeviceMemory kvB, DeviceMemory cos, DeviceMemory sin, DeviceMemory positions,
            DeviceMemory qc, DeviceMemory qp, LatentAttentionShape s, int tokens, CudaStream stream) {
        int perHead = s.nopeDim() + s.vDim();
        need(q, (long) tokens * s.heads() * s.qkHeadDim() * 2, "q");
        need(kvB, (long) s.heads() * perHead * s.kvLoraRank() * 2, "kv_b");
        need(qc, (long) tokens * s.heads() * s.kvLoraRank() * 4, "qc");
        need(qp, (long) tokens * s.heads() * s.ropeDim() * 4, "qp");
        absorbQuery.launch(new Dim3(tokens, s.heads(), (s.kvLoraRank() + STRIP - 1) / STRIP), Dim3.of(THREADS),
                s.nopeDim() * 4, stream,
                new KernelArgs().ptr(q).ptr(kvB).ptr(cos).ptr(sin).ptr(positions).ptr(qc).ptr(qp).i32(s.heads())
                        .i32(s.kvLoraRank()).i32(s.nopeDim()).i32(s.ropeDim()).i32(s.vDim())
                        .i32(s.interleavedRope() ? 1 : 0));
    }

    /** Bytes of split-K scratch for {@code parts} partitions: o [T, H, parts, R] and (max, sum) [T, H, parts, 2]. */
    static long scratchBytes(LatentAttentionShape s, int tokens, int parts) {
        return (long) tokens * s.heads() * parts * (s.kvLoraRank() + 2) * 4;
    }

    /**
     * {@code o[t, h] = sum_j softmax((qc · c_j + qp · kpe_j) * scale) c_j} over the first {@code lengths[t]}
     * positions of token t's sequence; {@code parts > 1} splits each context into partitions of
     * {@code partitionSize} and merges them through {@code scratch}.
     */
    void attend(DeviceMemory qc, DeviceMemory qp, DeviceMemory cache, DeviceMemory tables, DeviceMemory lengths,
            DeviceMemory o, @Nullable DeviceMemory scratch, LatentAttentionShape s, int tokens, int blockSize,
            int tableStride, int parts, int partitionSize, CudaStream stream) {
        need(o, (long) tokens * s.heads() * s.kvLoraRank() * 4, "o");
        need(tables, (long) tokens * tableStride * 4, "tables");
        need(lengths, tokens * 4L, "lengths");
        DeviceMemory oPart = null;
        DeviceMemory ml = null;
        if (parts > 1) {
            if (scratch == null) {
                throw new IllegalArgumentException("split-K MLA attention needs scratch");
            }
            need(scratch, scratchBytes(s, tokens, parts), "scratch");
            long oBytes = (long) tokens * s.heads() * parts * s.kvLoraRank() * 4;
            oPart = scratch.slice(0, oBytes);
            ml = scratch.slice(oBytes, (long) tokens * s.heads() * parts * 8);
        }
        attend.launch(new Dim3(tokens, s.heads(), parts), Dim3.of(THREADS), 0, stream,
                new KernelArgs().ptr(qc).ptr(qp).ptr(cache).ptr(tables).ptr(lengths).ptr(o).ptr(oPart).ptr(ml)
                        .i32(s.heads()).i32(s.kvLoraRank()).i32(s.ropeDim()).i32(blockSize).i32(tableStride)
                        .i32(partitionSize).f32(s.scale()));
        if (parts > 1) {
            attendReduce.launch(Dim3.of(tokens, s.heads()), Dim3.of(THREADS), 0, stream,
                    new KernelArgs().ptr(oPart).ptr(ml).ptr(o).i32(s.heads()).i32(s.kvLoraRank()).i32(parts));
        }
    }

    /** {@code out[t, h*V .. +V] = W_uv[h] · o[t, h]}, bf16. */
    void valueProjection(DeviceMemory o, DeviceMemory kvB, DeviceMemory out, LatentAttentionShape s, int tokens,
            CudaStream stream) {
        need(out, (long) tokens * s.heads() * s.vDim() * 2, "out");
        valueProjection.launch(new Dim3(tokens, s.heads(), (s.vDim() + THREADS / 32 - 1) / (THREADS / 32)),
                Dim3.of(THREADS), s.kvLoraRank() * 4, stream,
                new KernelArgs().ptr(o).ptr(kvB).ptr(out).i32(s.heads()).i32(s.kvLoraRank()).i32(s.nopeDim())
                        .i32(s.vDim()));
    }

    /**
     * DeepSeekMoE's choice for every token from fp32 router logits {@code [T, experts]}: ids int32 and weights fp32
     * {@code [T, k]}, the layout of moe_router's output.
     */
    void route(DeviceMemory logits, @Nullable DeviceMemory bias, DeviceMemory ids, DeviceMemory weights,
            ExpertRouting routing, int experts, int tokens, CudaStream stream) {
        if (experts > MAX_EXPERTS || routing.groups() > MAX_GROUPS || routing.topK() > experts) {
            throw new IllegalArgumentException("the CUDA DeepSeek router takes up to " + MAX_EXPERTS + " experts and "
                    + MAX_GROUPS + " groups, got " + experts + " experts, " + routing.groups() + " groups, top-"
                    + routing.topK());
        }
        if (routing.method() != ExpertRouting.Method.GREEDY && experts % routing.groups() != 0) {
            throw new IllegalArgumentException(experts + " experts do not split into " + routing.groups()
                    + " groups");
        }
        need(logits, (long) tokens * experts * 4, "logits");
        need(ids, (long) tokens * routing.topK() * 4, "ids");
        need(weights, (long) tokens * routing.topK() * 4, "weights");
        if (bias != null) {
            need(bias, experts * 4L, "bias");
        }
        int method = switch (routing.method()) {
            case GREEDY -> 0;
            case GROUP_LIMITED_GREEDY -> 1;
            case NOAUX_TC -> 2;
        };
        route.launch(Dim3.of(tokens), Dim3.of(32), 0, stream,
                new KernelArgs().ptr(logits).ptr(bias).ptr(ids).ptr(weights).i32(experts).i32(routing.topK())
                        .i32(routing.scoring() == ExpertRouting.Scoring.SIGMOID ? 1 : 0).i32(method)
                        .i32(Math.max(1, routing.groups())).i32(routing.topKGroups())
                        .i32(routing.normalize() ? 1 : 0).f32(routing.scalingFactor()));
    }

    private static void need(DeviceMemory m, long bytes, String name) {
        if (m.byteSize() < bytes) {
            throw new IllegalArgumentException(name + " holds " + m.byteSize() + " bytes, the shapes need " + bytes);
        }
    }

    @Override
    public void close() {
        module.close();
    }
}
