package io.moeplatform.inference.cuda;

import org.jspecify.annotations.Nullable;

/**
 * The engine's kernels from {@code moe-kernels.fatbin} (sources in {@code src/main/cuda}, where each kernel's comment
 * gives its math and shapes). Every method only queues work on the given stream; shapes are checked here so that a
 * wrong call fails in Java instead of reading outside a buffer on the device. bf16 tensors hold 2 bytes per element.
 */
public final class MoeKernels implements AutoCloseable {

    private static final int THREADS = 256;
    private static final int MAX_GRID = 1 << 20;

    private final CudaModule module;
    private final int multiprocessors;
    private final CudaFunction bf16ToF32;
    private final CudaFunction f32ToBf16;
    private final CudaFunction embeddingGather;
    private final CudaFunction rmsNorm;
    private final CudaFunction ropeNeox;
    private final CudaFunction siluMul;
    private final CudaFunction moeRouter;
    private final CudaFunction pagedAttention;
    private final CudaFunction pagedAttentionEarlyKv;
    private final CudaFunction pagedAttentionReduce;
    private final CudaFunction pagedAttentionGqa64;
    private final CudaFunction pagedAttentionGqa128;
    private final CudaFunction pagedAttentionGqa256;
    private final CudaFunction pagedAttentionGqaMma64;
    private final CudaFunction pagedAttentionGqaMma128;
    private final CudaFunction pagedAttentionGqaMma256;
    private final CudaFunction argmax;
    // the tensor-core grouped kernel instead of the CUDA-core one; -Dmoe.cuda.attentionMma=false keeps the latter
    // (H100, 128 sequences of 144 tokens, Qwen3 heads: 0.128 -> 0.032 ms per layer)
    private final boolean attentionMma = Boolean.parseBoolean(System.getProperty("moe.cuda.attentionMma", "true"));
    // the per-head kernel loads K/V rows of earlier tokens before its grid wait (-Dmoe.cuda.attentionEarlyKv=true):
    // off until it has passed the GPU tests and an A/B at batch 1 (written in session 7 after the device budget was
    // spent)
    private final boolean attentionEarlyKv = Boolean.getBoolean("moe.cuda.attentionEarlyKv");

    private MoeKernels(CudaModule module, int multiprocessors) {
        this.module = module;
        this.multiprocessors = multiprocessors;
        bf16ToF32 = module.function("bf16_to_f32");
        f32ToBf16 = module.function("f32_to_bf16");
        embeddingGather = module.function("embedding_gather");
        rmsNorm = module.function("rmsnorm");
        ropeNeox = module.function("rope_neox");
        siluMul = module.function("silu_mul");
        moeRouter = module.function("moe_router");
        pagedAttention = module.function("paged_attention");
        pagedAttentionEarlyKv = module.function("paged_attention_early_kv");
        pagedAttentionReduce = module.function("paged_attention_reduce");
        pagedAttentionGqa64 = module.function("paged_attention_gqa_d64");
        pagedAttentionGqa128 = module.function("paged_attention_gqa_d128");
        pagedAttentionGqa256 = module.function("paged_attention_gqa_d256");
        pagedAttentionGqaMma64 = module.function("paged_attention_gqa_mma_d64");
        pagedAttentionGqaMma128 = module.function("paged_attention_gqa_mma_d128");
        pagedAttentionGqaMma256 = module.function("paged_attention_gqa_mma_d256");
        argmax = module.function("argmax_f32");
    }

    /** Loads the fatbin that the build put into the jar into {@code context}. */
    public static MoeKernels load(CudaContext context) {
        KernelImage image = KernelImage.read(CudaSettings.DEFAULT_KERNEL_RESOURCE);
        if (!image.compiled()) {
            throw new CudaUnavailableException("kernels were not compiled: " + image.buildStatus());
        }
        return new MoeKernels(context.loadModule(image.bytes()), context.info().multiprocessors());
    }

    /** {@code out[i] = float(in[i])}, {@code n} elements. */
    public void bf16ToF32(DeviceMemory in, DeviceMemory out, long n, CudaStream stream) {
        need(in, n * 2, "in");
        need(out, n * 4, "out");
        bf16ToF32.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, stream, new KernelArgs().ptr(in).ptr(out).i64(n));
    }

    /** {@code out[i] = bf16(in[i])}, round to nearest even, {@code n} elements. */
    public void f32ToBf16(DeviceMemory in, DeviceMemory out, long n, CudaStream stream) {
        need(in, n * 4, "in");
        need(out, n * 2, "out");
        f32ToBf16.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, stream, new KernelArgs().ptr(in).ptr(out).i64(n));
    }

    /** {@code out[t, :] = table[ids[t], :]}: table [vocab, hidden] bf16, ids [tokens] int32, out [tokens, hidden]. */
    public void embeddingGather(DeviceMemory table, DeviceMemory ids, DeviceMemory out, int tokens, int hidden,
            int vocab, CudaStream stream) {
        need(table, (long) vocab * hidden * 2, "table");
        need(ids, tokens * 4L, "ids");
        need(out, (long) tokens * hidden * 2, "out");
        embeddingGather.launch(Dim3.of(tokens), Dim3.of(THREADS), 0, stream,
                new KernelArgs().ptr(table).ptr(ids).ptr(out).i32(hidden).i32(vocab));
    }

    /** Widest row {@link #rmsNorm} takes: 8 values per thread of a 1024-thread block (rmsnorm.cu). */
    static final int RMS_NORM_MAX_WIDTH = 8 * 1024;

    /**
     * RMSNorm of each row, with the residual add fused when {@code residual} is given (then residual becomes
     * {@code x + residual}); x, residual, out [tokens, hidden] bf16, weight [hidden] bf16. out may be x.
     */
    public void rmsNorm(DeviceMemory x, @Nullable DeviceMemory residual, DeviceMemory weight, DeviceMemory out,
            int tokens, int hidden, float eps, CudaStream stream) {
        long bytes = (long) tokens * hidden * 2;
        need(x, bytes, "x");
        need(out, bytes, "out");
        need(weight, hidden * 2L, "weight");
        if (residual != null) {
            need(residual, bytes, "residual");
        }
        if (hidden > RMS_NORM_MAX_WIDTH) {
            throw new IllegalArgumentException("rmsnorm rows hold at most " + RMS_NORM_MAX_WIDTH + " values, got "
                    + hidden);
        }
        int threads = Math.min(1024, Math.max(32, ((hidden / 4 + 31) / 32) * 32));
        rmsNorm.launch(Dim3.of(tokens), Dim3.of(threads), 0, stream,
                new KernelArgs().ptr(x).ptr(residual).ptr(weight).ptr(out).i32(hidden).f32(eps));
    }

    /**
     * Neox-style RoPE in place on q [tokens, qStride] and k [tokens, kStride] (heads of headDim from each row's
     * start), with per-head RMSNorm first when qNorm/kNorm [headDim] are given. positions [tokens] int32;
     * cos, sin [maxPosition, headDim/2] fp32.
     */
    public void ropeNeox(DeviceMemory q, DeviceMemory k, DeviceMemory positions, DeviceMemory cos, DeviceMemory sin,
            @Nullable DeviceMemory qNorm, @Nullable DeviceMemory kNorm, int tokens, int queryHeads, int kvHeads,
            int headDim, long qStride, long kStride, float eps, CudaStream stream) {
        if (headDim % 64 != 0 || headDim > 2048) {
            // block = headDim/2 threads must be whole warps for the per-head norm's block reduction
            throw new IllegalArgumentException("head dim must be a multiple of 64, got " + headDim);
        }
        if (qStride < (long) queryHeads * headDim || kStride < (long) kvHeads * headDim) {
            throw new IllegalArgumentException("q/k strides are smaller than their heads");
        }
        need(q, ((tokens - 1) * qStride + (long) queryHeads * headDim) * 2, "q");
        need(k, ((tokens - 1) * kStride + (long) kvHeads * headDim) * 2, "k");
        need(positions, tokens * 4L, "positions");
        if (cos.byteSize() != sin.byteSize()) {
            throw new IllegalArgumentException("cos and sin tables differ in size");
        }
        ropeNeox.launch(Dim3.of(tokens, queryHeads + kvHeads), Dim3.of(headDim / 2), 0, stream,
                new KernelArgs().ptr(q).ptr(k).ptr(positions).ptr(cos).ptr(sin).ptr(qNorm).ptr(kNorm)
                        .i32(queryHeads).i32(kvHeads).i32(headDim).i64(qStride).i64(kStride).f32(eps));
    }

    /** {@code out[r, j] = silu(gateUp[r, j]) * gateUp[r, inter + j]}; gateUp [rows, 2*inter], out [rows, inter]. */
    public void siluMul(DeviceMemory gateUp, DeviceMemory out, long rows, int inter, CudaStream stream) {
        need(gateUp, rows * inter * 4, "gateUp");
        need(out, rows * inter * 2, "out");
        siluMul.launch(Dim3.of(blocks(rows * inter)), Dim3.of(THREADS), 0, stream,
                new KernelArgs().ptr(gateUp).ptr(out).i32(inter).i64(rows));
    }

    /**
     * Softmax over experts, top-k, optional renormalisation: logits [tokens, experts] fp32 (experts at most 256),
     * ids [tokens, topK] int32, weights [tokens, topK] fp32 (topK at most 32).
     */
    public void moeRouter(DeviceMemory logits, DeviceMemory ids, DeviceMemory weights, int tokens, int experts,
            int topK, boolean renormalize, CudaStream stream) {
        if (experts < 1 || experts > 256 || topK < 1 || topK > 32 || topK > experts) {
            throw new IllegalArgumentException(
                    "router supports up to 256 experts and top-k up to 32 (and <= experts), got " + experts + "/"
                            + topK);
        }
        need(logits, (long) tokens * experts * 4, "logits");
        need(ids, (long) tokens * topK * 4, "ids");
        need(weights, (long) tokens * topK * 4, "weights");
        moeRouter.launch(Dim3.of((tokens + 3) / 4), Dim3.of(128), 0, stream, new KernelArgs().ptr(logits).ptr(ids)
                .ptr(weights).i32(tokens).i32(experts).i32(topK).i32(renormalize ? 1 : 0));
    }

    /**
     * Paged decode attention (see {@link PagedAttentionShape}). {@code partitions} splits each sequence's tokens into
     * pieces of {@code partitionSize} run by separate blocks (split-K); with more than one, {@code scratch} must
     * hold {@link PagedAttentionShape#scratchBytes(int)} and a second kernel merges the pieces, unless
     * {@code counters} (an int per sequence and query head, all zero, left zero) is given and the per-head kernel
     * runs: then its last block per head merges them. Every sequence's length must be at most
     * {@code partitions * partitionSize}. With {@code -Dmoe.cuda.attentionEarlyKv=true} the per-head kernel reads K/V
     * rows before waiting for the previous kernel, so that kernel may write only each sequence's last row (a decode
     * step's KV store).
     */
    public void pagedAttention(PagedAttentionShape s, DeviceMemory q, DeviceMemory kCache, DeviceMemory vCache,
            DeviceMemory blockTables, DeviceMemory sequenceLengths, DeviceMemory out, int partitions,
            int partitionSize, @Nullable DeviceMemory scratch, @Nullable DeviceMemory counters, CudaStream stream) {
        DecodeAttentionKernel kernel = attentionEarlyKv
                ? DecodeAttentionKernel.PER_HEAD_EARLY_KV
                : DecodeAttentionKernel.PER_HEAD;
        if (prefersGrouped(s, partitions, multiprocessors)) {
            kernel = attentionMma && ((q.address() | 2 * s.queryStride()) & 15) == 0
                    ? DecodeAttentionKernel.GROUPED_MMA
                    : DecodeAttentionKernel.GROUPED;
        }
        pagedAttention(s, q, kCache, vCache, blockTables, sequenceLengths, out, partitions, partitionSize, scratch,
                counters, stream, kernel);
    }

    /**
     * The grouped kernel reads K/V once per kv head but launches {@code queryHeads / kvHeads} times fewer blocks.
     * Measured on an H100 (132 SMs): with 256 grouped blocks it beat the per-head kernel by 1.6-1.75x; with 32 or 64
     * it lost by up to 2x, since there the per-head kernel's extra blocks matter more than its repeated K/V reads
     * (which then hit L2). So: grouped once it has at least one block per SM.
     */
    static boolean prefersGrouped(PagedAttentionShape s, int partitions, int multiprocessors) {
        return hasGroupedKernel(s) && (long) s.sequences() * s.kvHeads() * partitions >= multiprocessors;
    }

    static boolean hasGroupedKernel(PagedAttentionShape s) {
        int d = s.headDim();
        return s.queryHeads() / s.kvHeads() <= 8 && (d == 64 || d == 128 || d == 256);
    }

    /**
     * The grouped kernel (one block per kv head, reading each K/V row once for all its query heads) serves head dims
     * 64, 128 and 256 with up to 8 query heads per kv head; other shapes use the per-query-head kernel.
     */
    private @Nullable CudaFunction groupedKernel(PagedAttentionShape s, DecodeAttentionKernel kernel) {
        if (!hasGroupedKernel(s)) {
            return null;
        }
        boolean mma = kernel == DecodeAttentionKernel.GROUPED_MMA;
        return switch (s.headDim()) {
            case 64 -> mma ? pagedAttentionGqaMma64 : pagedAttentionGqa64;
            case 128 -> mma ? pagedAttentionGqaMma128 : pagedAttentionGqa128;
            case 256 -> mma ? pagedAttentionGqaMma256 : pagedAttentionGqa256;
            default -> null;
        };
    }

    /** As {@link #pagedAttention(PagedAttentionShape, DeviceMemory, DeviceMemory, DeviceMemory, DeviceMemory,
     * DeviceMemory, DeviceMemory, int, int, DeviceMemory, DeviceMemory, CudaStream)}, choosing the kernel (tests,
     * benchmarks). */
    void pagedAttention(PagedAttentionShape s, DeviceMemory q, DeviceMemory kCache, DeviceMemory vCache,
            DeviceMemory blockTables, DeviceMemory sequenceLengths, DeviceMemory out, int partitions,
            int partitionSize, @Nullable DeviceMemory scratch, @Nullable DeviceMemory counters, CudaStream stream,
            DecodeAttentionKernel kernel) {
        boolean grouped = kernel.grouped();
        CudaFunction groupedKernel = grouped ? groupedKernel(s, kernel) : null;
        if (grouped && groupedKernel == null) {
            throw new IllegalArgumentException("no grouped attention kernel for head dim " + s.headDim() + " and "
                    + s.queryHeads() / s.kvHeads() + " query heads per kv head");
        }
        if (grouped && ((kCache.address() | vCache.address()) & 15) != 0) {
            throw new IllegalArgumentException("the grouped attention kernel needs 16-byte aligned K/V caches");
        }
        if (kernel == DecodeAttentionKernel.GROUPED_MMA && ((q.address() | 2 * s.queryStride()) & 15) != 0) {
            throw new IllegalArgumentException("the tensor-core attention kernel needs q and its row stride 16-byte "
                    + "aligned");
        }
        int lanes = s.headDim() / 32; // head dims per lane, loaded with one (2 x lanes)-byte read when a power of two
        long rowAlignment = Integer.bitCount(lanes) == 1 ? 2L * lanes : 2;
        if (!grouped && (s.headDim() % 32 != 0 || s.headDim() > 256)) {
            throw new IllegalArgumentException("paged decode attention needs a head dim that is a multiple of 32 up to"
                    + " 256, got " + s.headDim());
        }
        if (((q.address() | kCache.address() | vCache.address() | 2 * s.queryStride()) & (rowAlignment - 1)) != 0) {
            throw new IllegalArgumentException("paged decode attention with head dim " + s.headDim() + " needs q, its"
                    + " row stride and the K/V caches " + rowAlignment + "-byte aligned");
        }
        need(q, ((s.sequences() - 1) * s.queryStride() + (long) s.queryHeads() * s.headDim()) * 2, "q");
        need(blockTables, (long) s.sequences() * s.maxBlocksPerSequence() * 4, "blockTables");
        need(sequenceLengths, s.sequences() * 4L, "sequenceLengths");
        need(out, (long) s.sequences() * s.queryHeads() * s.headDim() * 2, "out");
        if (kCache.byteSize() != vCache.byteSize()) {
            throw new IllegalArgumentException("k and v caches differ in size");
        }
        if (partitions < 1 || partitionSize < 1) {
            throw new IllegalArgumentException("partitions and partition size must be positive");
        }
        // the per-head kernel merges its partitions itself when given counters (zeroed, one per sequence and head)
        boolean fusedReduce = !grouped && partitions > 1 && counters != null;
        if (fusedReduce) {
            need(counters, (long) s.sequences() * s.queryHeads() * 4, "counters");
        }
        DeviceSlice partOut = null;
        DeviceSlice partMl = null;
        if (partitions > 1) {
            if (scratch == null) {
                throw new IllegalArgumentException("split-K attention needs scratch memory");
            }
            need(scratch, s.scratchBytes(partitions), "scratch");
            long outBytes = (long) s.sequences() * s.queryHeads() * partitions * s.headDim() * 4;
            partOut = scratch.slice(0, outBytes);
            partMl = scratch.slice(outBytes, (long) s.sequences() * s.queryHeads() * partitions * 8);
        }
        if (grouped) {
            groupedKernel.launch(new Dim3(s.kvHeads(), s.sequences(), partitions), Dim3.of(128), 0, stream,
                    new KernelArgs().ptr(q).ptr(kCache).ptr(vCache).ptr(blockTables).ptr(sequenceLengths).ptr(out)
                            .ptr(partOut).ptr(partMl).i64(s.queryStride()).i32(s.queryHeads()).i32(s.kvHeads())
                            .i32(s.blockSize()).i32(s.maxBlocksPerSequence()).i32(partitionSize).f32(s.scale()));
        } else {
            CudaFunction perHead = kernel == DecodeAttentionKernel.PER_HEAD_EARLY_KV
                    ? pagedAttentionEarlyKv
                    : pagedAttention;
            perHead.launch(new Dim3(s.queryHeads(), s.sequences(), partitions), Dim3.of(128), 0, stream,
                    new KernelArgs().ptr(q).ptr(kCache).ptr(vCache).ptr(blockTables).ptr(sequenceLengths).ptr(out)
                            .ptr(partOut).ptr(partMl).i64(s.queryStride()).i32(s.queryHeads()).i32(s.kvHeads())
                            .i32(s.headDim()).i32(s.blockSize()).i32(s.maxBlocksPerSequence()).i32(partitionSize)
                            .f32(s.scale()).ptr(fusedReduce ? counters : null));
        }
        if (partitions > 1 && !fusedReduce) {
            pagedAttentionReduce.launch(Dim3.of(s.queryHeads(), s.sequences()), Dim3.of(s.headDim()), 0, stream,
                    new KernelArgs().ptr(partOut).ptr(partMl).ptr(out).i32(s.queryHeads()).i32(s.headDim())
                            .i32(partitions));
        }
    }

    /** Greedy sampling: {@code out[r] = argmax logits[r, :]}; logits [rows, vocab] fp32, out [rows] int32. */
    public void argmax(DeviceMemory logits, DeviceMemory out, int rows, int vocab, CudaStream stream) {
        need(logits, (long) rows * vocab * 4, "logits");
        need(out, rows * 4L, "out");
        argmax.launch(Dim3.of(rows), Dim3.of(1024), 0, stream, new KernelArgs().ptr(logits).ptr(out).i32(vocab));
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_GRID, (n + THREADS - 1) / THREADS));
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
