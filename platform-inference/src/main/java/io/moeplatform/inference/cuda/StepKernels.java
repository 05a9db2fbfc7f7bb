package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.RandomWeights;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The model backend's own kernels from {@code decoder_step.cu} (any head size, prefill chunks, routed-expert
 * matmuls); each kernel's comment there gives its math and shapes. Every method only queues work on the stream.
 * bf16 tensors hold 2 bytes per element.
 */
final class StepKernels implements AutoCloseable {

    private static final int THREADS = 256;
    private static final int MAX_GRID = 1 << 16;
    /** Output features per block of the expert kernels (one warp each). */
    private static final int FEATURES_PER_BLOCK = 8;

    private final CudaModule module;
    private final CudaFunction addBf16;
    private final CudaFunction addBias;
    private final CudaFunction siluMulSplit;
    private final CudaFunction ropeRows;
    private final CudaFunction kvWrite;
    private final CudaFunction qkNormRope;
    private final CudaFunction qkRowNormRope;
    private final CudaFunction stepAttention;
    private final CudaFunction prefillAttention;
    private final CudaFunction prefillAttentionMma64;
    private final CudaFunction prefillAttentionMma128;
    // the tensor-core prefill attention for head sizes 64 and 128; -Dmoe.cuda.prefillMma=false keeps the CUDA-core
    // kernel (A/B runs: qwen3 2,048-token prefill 5,807 -> 16,246 tok/s on an H100)
    private final boolean prefillMma = Boolean.parseBoolean(System.getProperty("moe.cuda.prefillMma", "true"));
    private final CudaFunction expertGateUp;
    private final CudaFunction expertDown;
    /** Lanes per output feature of the down kernel: 8 (expert_down_l8) or 32 (a warp per feature, expert_down). */
    private final int downLanes = Integer.getInteger("moe.cuda.expertDownLanes", 8) == 32 ? 32 : 8;
    private final CudaFunction expertGateUpMma;
    private final CudaFunction expertDownMma;
    private final CudaFunction expertGateUpMmaSplitK;
    private final CudaFunction expertDownMmaSplitK;
    private final CudaFunction expertDownMmaSplitKEarly;
    private final CudaFunction expertMlpMmaFused;
    // the split-K down kernel that reads its group table and first weights before the grid wait
    // (-Dmoe.cuda.downEarlyWeights=true): off until it has passed the GPU tests and an A/B at batch 1 (written in
    // session 7 after the device budget was spent)
    private final boolean downEarlyWeights = Boolean.getBoolean("moe.cuda.downEarlyWeights");
    private final CudaFunction expertGateUpTiled;
    private final CudaFunction expertDownTiled;
    private final CudaFunction expertCombine;
    private final CudaFunction moeAlign;
    private final CudaFunction moeRouteAlign;
    // moe_route_align with a block per 32 tokens; -Dmoe.cuda.parallelRoute=false has one block route every token
    // (A/B runs: qwen3 batch 128 router top-k + grouping 1.6 -> 0.8 ms per step on an H100)
    private final boolean parallelRoute = Boolean.parseBoolean(System.getProperty("moe.cuda.parallelRoute", "true"));
    private final CudaFunction gatherPaddedRows;
    private final CudaFunction scatterPaddedRows;
    private final CudaFunction fillRandom;
    private final CudaFunction l2Prefetch;
    private final CudaFunction[] gemv = new CudaFunction[4];
    private final CudaFunction[] gemv3 = new CudaFunction[4];
    private final CudaFunction[] routerRouteAlign = new CudaFunction[4];

    StepKernels(CudaContext context) {
        KernelImage image = KernelImage.read(CudaSettings.DEFAULT_KERNEL_RESOURCE);
        if (!image.compiled()) {
            throw new CudaUnavailableException("kernels were not compiled: " + image.buildStatus());
        }
        module = context.loadModule(image.bytes());
        addBf16 = module.function("add_bf16");
        addBias = module.function("add_bias");
        siluMulSplit = module.function("silu_mul_split");
        ropeRows = module.function("rope_rows");
        kvWrite = module.function("kv_write");
        qkNormRope = module.function("qk_norm_rope");
        qkRowNormRope = module.function("qk_rownorm_rope");
        stepAttention = module.function("step_attention");
        prefillAttention = module.function("prefill_attention_tiled");
        prefillAttentionMma64 = module.function("prefill_attention_mma_d64");
        prefillAttentionMma128 = module.function("prefill_attention_mma_d128");
        expertGateUp = module.function("expert_gate_up");
        expertDown = module.function(downLanes == 32 ? "expert_down" : "expert_down_l8");
        expertGateUpMma = module.function("expert_gate_up_mma");
        expertDownMma = module.function("expert_down_mma");
        expertGateUpMmaSplitK = module.function("expert_gate_up_mma_splitk");
        expertDownMmaSplitK = module.function("expert_down_mma_splitk");
        expertDownMmaSplitKEarly = module.function("expert_down_mma_splitk_early");
        expertMlpMmaFused = module.function("expert_mlp_mma_fused");
        expertGateUpTiled = module.function("expert_gate_up_tiled");
        expertDownTiled = module.function("expert_down_tiled");
        expertCombine = module.function("expert_combine");
        l2Prefetch = module.function("l2_prefetch");
        moeAlign = module.function("moe_align");
        moeRouteAlign = module.function("moe_route_align");
        gatherPaddedRows = module.function("gather_padded_rows");
        scatterPaddedRows = module.function("scatter_padded_rows");
        fillRandom = module.function("fill_random_bf16");
        for (int i = 0; i < gemv.length; i++) {
            gemv[i] = module.function("gemv_bf16_m" + (1 << i));
            gemv3[i] = module.function("gemv3_bf16_m" + (1 << i));
            routerRouteAlign[i] = module.function("moe_router_route_align_m" + (1 << i));
        }
    }

    void add(DeviceMemory acc, DeviceMemory x, long n, CudaStream s) {
        addBf16.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, s, new KernelArgs().ptr(acc).ptr(x).i64(n));
    }

    void addBias(DeviceMemory x, DeviceMemory bias, int rows, int cols, CudaStream s) {
        long n = (long) rows * cols;
        addBias.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, s,
                new KernelArgs().ptr(x).ptr(bias).i32(cols).i64(n));
    }

    void siluMul(DeviceMemory gate, DeviceMemory up, DeviceMemory out, long n, CudaStream s) {
        siluMulSplit.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, s,
                new KernelArgs().ptr(gate).ptr(up).ptr(out).i64(n));
    }

    void rope(DeviceMemory x, DeviceMemory positions, DeviceMemory cos, DeviceMemory sin, int heads, int headDim,
            int tokens, CudaStream s) {
        long n = (long) tokens * heads * (headDim / 2);
        ropeRows.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, s, new KernelArgs().ptr(x).ptr(positions).ptr(cos)
                .ptr(sin).i32(heads).i32(headDim).i32(tokens));
    }

    /** Most head size {@link #qkNormRope} takes. */
    static final int QK_ROPE_MAX_HEAD_DIM = 512;

    /**
     * Per-head RMSNorm (when qNorm / kNorm [headDim] are given) and RoPE in place on every head of q
     * [tokens, qHeads * headDim] and k [tokens, kvHeads * headDim], one launch (qk_norm_rope).
     */
    /**
     * Per-head q/k RMSNorm and RoPE in place (decoder_step.cu {@code qk_norm_rope}); with {@code kCache} given it
     * also stores the rotated k heads and the v heads at {@code slots} in the paged pool, as {@link #kvWrite} does.
     */
    void qkNormRope(DeviceMemory q, DeviceMemory k, DeviceMemory positions, DeviceMemory cos, DeviceMemory sin,
            @Nullable DeviceMemory qNorm, @Nullable DeviceMemory kNorm, int qHeads, int kvHeads, int headDim,
            int tokens, float eps, @Nullable KvStore store, CudaStream s) {
        if (headDim % 2 != 0 || headDim > QK_ROPE_MAX_HEAD_DIM) {
            throw new IllegalArgumentException("qk_norm_rope takes even head sizes up to " + QK_ROPE_MAX_HEAD_DIM
                    + ", got " + headDim);
        }
        long warps = (long) tokens * (qHeads + kvHeads + (store != null ? kvHeads : 0));
        qkNormRope.launch(Dim3.of((int) ((warps + 3) / 4)), Dim3.of(128), 0, s,
                new KernelArgs().ptr(q).ptr(k).ptr(positions).ptr(cos).ptr(sin).ptr(qNorm).ptr(kNorm).i32(qHeads)
                        .i32(kvHeads).i32(headDim).i32(tokens).f32(eps).ptr(store == null ? null : store.v())
                        .ptr(store == null ? null : store.slots()).ptr(store == null ? null : store.kCache())
                        .ptr(store == null ? null : store.vCache()));
    }

    /** Widest q/k row {@link #qkRowNormRope} normalizes: 8 values per thread of a 1,024-thread block. */
    static final int QK_ROW_NORM_MAX_WIDTH = 8 * 1024;

    /**
     * {@link #qkNormRope} for q/k norms over a token's whole q or k row (qNorm / kNorm [heads * headDim]; OLMoE),
     * decoder_step.cu {@code qk_rownorm_rope}: the same bits as rmsNorm(q), rmsNorm(k), rope(q), rope(k) (and
     * {@link #kvWrite} with {@code store}). q and k rows equally wide ({@code heads} each).
     */
    void qkRowNormRope(DeviceMemory q, DeviceMemory k, DeviceMemory positions, DeviceMemory cos, DeviceMemory sin,
            @Nullable DeviceMemory qNorm, @Nullable DeviceMemory kNorm, int heads, int headDim, int tokens, float eps,
            @Nullable KvStore store, CudaStream s) {
        int width = heads * headDim;
        if (headDim % 2 != 0 || width > QK_ROW_NORM_MAX_WIDTH) {
            throw new IllegalArgumentException("qk_rownorm_rope takes even head sizes and rows of up to "
                    + QK_ROW_NORM_MAX_WIDTH + " values, got " + heads + " x " + headDim);
        }
        int threads = Math.min(1024, Math.max(32, ((width / 4 + 31) / 32) * 32)); // rmsnorm's block for the width
        qkRowNormRope.launch(Dim3.of(tokens * (store != null ? 3 : 2)), Dim3.of(threads), 0, s,
                new KernelArgs().ptr(q).ptr(k).ptr(positions).ptr(cos).ptr(sin).ptr(qNorm).ptr(kNorm).i32(heads)
                        .i32(headDim).i32(tokens).f32(eps).ptr(store == null ? null : store.v())
                        .ptr(store == null ? null : store.slots()).ptr(store == null ? null : store.kCache())
                        .ptr(store == null ? null : store.vCache()));
    }

    /** Where {@link #qkNormRope} stores a step's k and v rows: v [tokens, kv dim], slots [tokens], one layer's pool. */
    record KvStore(DeviceMemory v, DeviceMemory slots, DeviceMemory kCache, DeviceMemory vCache) {}

    void kvWrite(DeviceMemory k, DeviceMemory v, DeviceMemory slots, DeviceMemory kCache, DeviceMemory vCache,
            int kvDim, int tokens, CudaStream s) {
        long n = (long) tokens * kvDim;
        kvWrite.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, s,
                new KernelArgs().ptr(k).ptr(v).ptr(slots).ptr(kCache).ptr(vCache).i32(kvDim).i32(tokens));
    }

    void attention(DeviceMemory q, DeviceMemory kCache, DeviceMemory vCache, DeviceMemory tables, DeviceMemory lens,
            DeviceMemory out, int tokens, int heads, int kvHeads, int headDim, int blockSize, int maxBlocks,
            float scale, CudaStream s) {
        stepAttention.launch(Dim3.of(heads, tokens), Dim3.of(128), 0, s,
                new KernelArgs().ptr(q).ptr(kCache).ptr(vCache).ptr(tables).ptr(lens).ptr(out).i32(heads)
                        .i32(kvHeads).i32(headDim).i32(blockSize).i32(maxBlocks).f32(scale));
    }

    /**
     * {@code out[g * maxRows + i] = x[rowToken[starts[g] + i]]} for the {@code counts[g]} rows of each of {@code groups}
     * groups, zeros in the rest of each group's {@code maxRows} (moe_routing.cu); rows of {@code width} bf16.
     */
    void gatherPaddedRows(DeviceMemory x, DeviceMemory rowToken, DeviceMemory starts, DeviceMemory counts,
            DeviceMemory out, int groups, int maxRows, int width, CudaStream s) {
        if (width % 8 != 0) {
            throw new IllegalArgumentException("padded row copies move 16-byte pieces: width " + width);
        }
        gatherPaddedRows.launch(Dim3.of(maxRows, groups), Dim3.of(128), 0, s,
                new KernelArgs().ptr(x).ptr(rowToken).ptr(starts).ptr(counts).ptr(out).i32(maxRows).i32(width));
    }

    /** {@code y[starts[g] + i] = ypad[g * maxRows + i]} for the {@code counts[g]} rows of each group. */
    void scatterPaddedRows(DeviceMemory ypad, DeviceMemory starts, DeviceMemory counts, DeviceMemory y, int groups,
            int maxRows, int width, CudaStream s) {
        if (width % 8 != 0) {
            throw new IllegalArgumentException("padded row copies move 16-byte pieces: width " + width);
        }
        scatterPaddedRows.launch(Dim3.of(maxRows, groups), Dim3.of(128), 0, s,
                new KernelArgs().ptr(ypad).ptr(starts).ptr(counts).ptr(y).i32(maxRows).i32(width));
    }

    /** Query rows per tile of {@code prefill_attention_tiled} (PA_Q) and the largest head size it takes. */
    static final int PREFILL_TILE_ROWS = 64;
    static final int PREFILL_MAX_HEAD_DIM = 128;

    /**
     * Causal paged attention of prefill chunks, a tile of up to {@link #PREFILL_TILE_ROWS} consecutive tokens of one
     * sequence per block ({@code prefill_attention_tiled}): tiles [n, 2] int32 (first token, rows); same math and
     * layouts as {@link #attention}. Head sizes: multiples of 8 up to {@link #PREFILL_MAX_HEAD_DIM}.
     */
    void prefillAttention(DeviceMemory q, DeviceMemory kCache, DeviceMemory vCache, DeviceMemory tables,
            DeviceMemory lens, DeviceMemory tiles, int tileCount, DeviceMemory out, int heads, int kvHeads,
            int headDim, int blockSize, int maxBlocks, float scale, CudaStream s) {
        boolean mma = prefillMma && prefillMmaFits(q, kCache, vCache, heads, headDim);
        prefillAttention(q, kCache, vCache, tables, lens, tiles, tileCount, out, heads, kvHeads, headDim, blockSize,
                maxBlocks, scale, mma, s);
    }

    /** The tensor-core kernel takes head sizes 64 and 128 with 16-byte aligned q rows and caches. */
    static boolean prefillMmaFits(DeviceMemory q, DeviceMemory kCache, DeviceMemory vCache, int heads, int headDim) {
        return (headDim == 64 || headDim == 128)
                && ((q.address() | kCache.address() | vCache.address() | (long) heads * headDim * 2) & 15) == 0;
    }

    /** As above with the kernel chosen: {@code mma} for {@code prefill_attention_mma_d*} (tests, A/B runs). */
    void prefillAttention(DeviceMemory q, DeviceMemory kCache, DeviceMemory vCache, DeviceMemory tables,
            DeviceMemory lens, DeviceMemory tiles, int tileCount, DeviceMemory out, int heads, int kvHeads,
            int headDim, int blockSize, int maxBlocks, float scale, boolean mma, CudaStream s) {
        if (headDim % 8 != 0 || headDim > PREFILL_MAX_HEAD_DIM) {
            throw new IllegalArgumentException("the tiled prefill attention takes head sizes divisible by 8 up to "
                    + PREFILL_MAX_HEAD_DIM + ", got " + headDim);
        }
        if (mma) {
            if (!prefillMmaFits(q, kCache, vCache, heads, headDim)) {
                throw new IllegalArgumentException("the tensor-core prefill attention takes head sizes 64 and 128 "
                        + "with 16-byte aligned q rows and caches, got head size " + headDim);
            }
            (headDim == 64 ? prefillAttentionMma64 : prefillAttentionMma128).launch(Dim3.of(tileCount, heads),
                    Dim3.of(128), 0, s, new KernelArgs().ptr(q).ptr(kCache).ptr(vCache).ptr(tables).ptr(lens)
                            .ptr(tiles).ptr(out).i32(heads).i32(kvHeads).i32(blockSize).i32(maxBlocks).f32(scale));
            return;
        }
        prefillAttention.launch(Dim3.of(tileCount, heads), Dim3.of(128), 0, s,
                new KernelArgs().ptr(q).ptr(kCache).ptr(vCache).ptr(tables).ptr(lens).ptr(tiles).ptr(out)
                        .i32(heads).i32(kvHeads).i32(headDim).i32(blockSize).i32(maxBlocks).f32(scale));
    }

    /**
     * Groups the step's slots by expert on the device ({@code moe_align} in moe_routing.cu): topkIds [T, k] int32,
     * realTokens a device int (slots of later tokens are padding), outputs rowToken and slotRow [T * k], the group
     * arrays [experts] and numGroups [1]; {@code touched} (a device u64, may be null) counts active experts.
     */
    void moeAlign(DeviceMemory topkIds, DeviceMemory realTokens, int topK, int experts, MoeLayout layout,
            @Nullable DeviceMemory touched, CudaStream s) {
        if (experts > 256) {
            throw new IllegalArgumentException("on-device expert grouping supports up to 256 experts, got " + experts);
        }
        moeAlign.launch(Dim3.of(1), Dim3.of(1024), 0, s,
                new KernelArgs().ptr(topkIds).ptr(realTokens).i32(topK).i32(experts).ptr(layout.rowToken())
                        .ptr(layout.slotRow()).ptr(layout.groupExpert()).ptr(layout.groupStart())
                        .ptr(layout.groupCount()).ptr(layout.groupTotal()).ptr(touched));
    }

    /** Most tokens {@link #routeAndAlign} takes (a decode graph bucket's largest step). */
    static final int ROUTE_ALIGN_MAX_TOKENS = 256;

    /**
     * The router's top-k ({@code moe_router}: logits [T, experts] fp32 to ids and weights [T, k]) and
     * {@link #moeAlign} in one launch, for steps of at most {@link #ROUTE_ALIGN_MAX_TOKENS} tokens: a block per 32 tokens
     * routes (one block routes every token with {@code -Dmoe.cuda.parallelRoute=false}); the last block to finish groups.
     * {@code counter} is one int, zero before the launch and left zero.
     */
    void routeAndAlign(DeviceMemory logits, DeviceMemory ids, DeviceMemory weights, int tokens, int topK,
            boolean renormalize, DeviceMemory realTokens, int experts, MoeLayout layout,
            @Nullable DeviceMemory touched, DeviceMemory counter, CudaStream s) {
        routeAndAlign(logits, ids, weights, tokens, topK, renormalize, realTokens, experts, layout, touched, counter,
                parallelRoute, s);
    }

    /** As above, routed by a block per 32 tokens ({@code parallel}) or by one block (tests, A/B runs). */
    void routeAndAlign(DeviceMemory logits, DeviceMemory ids, DeviceMemory weights, int tokens, int topK,
            boolean renormalize, DeviceMemory realTokens, int experts, MoeLayout layout,
            @Nullable DeviceMemory touched, DeviceMemory counter, boolean parallel, CudaStream s) {
        if (experts < 1 || experts > 256 || topK < 1 || topK > 32 || topK > experts
                || tokens > ROUTE_ALIGN_MAX_TOKENS) {
            throw new IllegalArgumentException("moe_route_align takes up to 256 experts, top-k up to 32 and "
                    + ROUTE_ALIGN_MAX_TOKENS + " tokens, got " + experts + "/" + topK + "/" + tokens);
        }
        moeRouteAlign.launch(Dim3.of(parallel ? (tokens + 31) / 32 : 1), Dim3.of(1024), 0, s,
                new KernelArgs().ptr(logits).ptr(ids).ptr(weights).i32(tokens).i32(experts).i32(topK)
                        .i32(renormalize ? 1 : 0).ptr(realTokens).ptr(layout.rowToken()).ptr(layout.slotRow())
                        .ptr(layout.groupExpert()).ptr(layout.groupStart()).ptr(layout.groupCount())
                        .ptr(layout.groupTotal()).ptr(touched).ptr(counter));
    }

    /**
     * The router's linear layer ({@code logits [tokens, experts] fp32 = x [tokens, k] · router [experts, k]ᵀ}) and
     * {@link #routeAndAlign} on its logits in one launch, for steps of at most {@link #GEMV_MAX_ROWS} tokens: the
     * last of its blocks to finish routes and groups (moe_router_route_align in router.cu). {@code counter} is one
     * int, zero before the launch and left zero. k % 8 == 0, x and the router 16-byte aligned.
     */
    void routerRouteAlign(DeviceMemory x, DeviceMemory router, DeviceMemory logits, DeviceMemory ids,
            DeviceMemory weights, int tokens, int k, int topK, boolean renormalize, DeviceMemory realTokens,
            int experts, MoeLayout layout, @Nullable DeviceMemory touched, DeviceMemory counter, CudaStream s) {
        if (experts < 1 || experts > 256 || topK < 1 || topK > 32 || topK > experts || tokens < 1
                || tokens > GEMV_MAX_ROWS || k % 8 != 0 || ((x.address() | router.address()) & 15) != 0) {
            throw new IllegalArgumentException("moe_router_route_align takes up to 256 experts, top-k up to 32, 1.."
                    + GEMV_MAX_ROWS + " tokens, k % 8 == 0 and 16-byte aligned inputs; got " + experts + "/" + topK
                    + "/" + tokens + ", k " + k);
        }
        int variant = 32 - Integer.numberOfLeadingZeros(tokens - 1);
        routerRouteAlign[variant].launch(Dim3.of((experts + 3) / 4), Dim3.of(1024), 0, s,
                new KernelArgs().ptr(x).ptr(router).ptr(logits).ptr(ids).ptr(weights).i32(tokens).i32(k)
                        .i32(experts).i32(topK).i32(renormalize ? 1 : 0).ptr(realTokens).ptr(layout.rowToken())
                        .ptr(layout.slotRow()).ptr(layout.groupExpert()).ptr(layout.groupStart())
                        .ptr(layout.groupCount()).ptr(layout.groupTotal()).ptr(touched).ptr(counter));
    }

    /**
     * Gate/up of the grouped experts with SiLU·mul fused: {@code maxGroups} is the grid's worst case (the device
     * count decides which blocks work); groups with {@code maxRows} rows or more are skipped (run by cuBLAS).
     */
    void expertGateUp(DeviceMemory x, MoeLayout layout, DeviceMemory gatePtrs, DeviceMemory upPtrs, int maxGroups,
            int maxRows, DeviceMemory act, int hidden, int inter, CudaStream s) {
        expertGateUp.launch(Dim3.of((inter + FEATURES_PER_BLOCK - 1) / FEATURES_PER_BLOCK, maxGroups), Dim3.of(256),
                0, s, new KernelArgs().ptr(x).ptr(layout.rowToken()).ptr(gatePtrs).ptr(upPtrs)
                        .ptr(layout.groupExpert()).ptr(layout.groupStart()).ptr(layout.groupCount())
                        .ptr(layout.groupTotal()).i32(maxRows).ptr(act).i32(hidden).i32(inter));
    }

    void expertDown(DeviceMemory act, MoeLayout layout, DeviceMemory downPtrs, int maxGroups, int maxRows,
            DeviceMemory y, int inter, int hidden, CudaStream s) {
        int features = FEATURES_PER_BLOCK * 32 / downLanes;
        expertDown.launch(Dim3.of((hidden + features - 1) / features, maxGroups), Dim3.of(256), 0,
                s, new KernelArgs().ptr(act).ptr(downPtrs).ptr(layout.groupExpert()).ptr(layout.groupStart())
                        .ptr(layout.groupCount()).ptr(layout.groupTotal()).i32(maxRows).ptr(y).i32(inter)
                        .i32(hidden));
    }

    /**
     * Whether the tensor-core expert kernels (expert_mma.cu) take these shapes: both dimensions are a K of one of the
     * two kernels, which step K by 32; the caller also checks that every expert matrix is 16-byte aligned.
     */
    static boolean mmaFits(int hidden, int inter) {
        return hidden % 32 == 0 && inter % 32 == 0;
    }

    /**
     * Tensor-core gate/up with SiLU·mul fused, for the groups with {@code minRows <= count < maxRows} (the CUDA-core
     * kernel takes the smaller groups when given {@code maxRows = minRows}). With {@code splitK} the four warps of
     * a block share their tiles and split K (4x the blocks, for steps with few active experts; expert_mma.cu).
     */
    void expertGateUpMma(DeviceMemory x, MoeLayout layout, DeviceMemory gatePtrs, DeviceMemory upPtrs, int maxGroups,
            int minRows, int maxRows, DeviceMemory act, int hidden, int inter, boolean splitK, CudaStream s) {
        CudaFunction f = splitK ? expertGateUpMmaSplitK : expertGateUpMma;
        int featuresPerBlock = splitK ? 8 : 32;
        f.launch(Dim3.of((inter + featuresPerBlock - 1) / featuresPerBlock, maxGroups), Dim3.of(128), 0, s,
                new KernelArgs().ptr(x).ptr(layout.rowToken()).ptr(gatePtrs).ptr(upPtrs).ptr(layout.groupExpert())
                        .ptr(layout.groupStart()).ptr(layout.groupCount()).ptr(layout.groupTotal()).i32(minRows)
                        .i32(maxRows).ptr(act).i32(hidden).i32(inter));
    }

    /** Tensor-core down projection for the groups with {@code minRows <= count < maxRows}; splitK as above. */
    void expertDownMma(DeviceMemory act, MoeLayout layout, DeviceMemory downPtrs, int maxGroups, int minRows,
            int maxRows, DeviceMemory y, int inter, int hidden, boolean splitK, CudaStream s) {
        expertDownMma(act, layout, downPtrs, maxGroups, minRows, maxRows, y, inter, hidden, splitK,
                splitK && downEarlyWeights, s);
    }

    /**
     * As above; {@code early} (split K only) picks the kernel that reads the group table and its first weights
     * before waiting for gate/up, which it may because the table comes from the router before that (tests, A/B runs).
     */
    void expertDownMma(DeviceMemory act, MoeLayout layout, DeviceMemory downPtrs, int maxGroups, int minRows,
            int maxRows, DeviceMemory y, int inter, int hidden, boolean splitK, boolean early, CudaStream s) {
        if (early && !splitK) {
            throw new IllegalArgumentException("the early down kernel splits K");
        }
        CudaFunction f = early ? expertDownMmaSplitKEarly : splitK ? expertDownMmaSplitK : expertDownMma;
        int featuresPerBlock = splitK ? 16 : 64;
        f.launch(Dim3.of((hidden + featuresPerBlock - 1) / featuresPerBlock, maxGroups), Dim3.of(128), 0, s,
                new KernelArgs().ptr(act).ptr(downPtrs).ptr(layout.groupExpert()).ptr(layout.groupStart())
                        .ptr(layout.groupCount()).ptr(layout.groupTotal()).i32(minRows).i32(maxRows).ptr(y)
                        .i32(inter).i32(hidden));
    }

    /**
     * {@link #expertGateUpMma} and {@link #expertDownMma} with split K as one launch (expert_mlp_mma_fused): the down
     * blocks wait for their group's gate/up blocks on device counters instead of a grid boundary. Same bits as the
     * two kernels. {@code counters}: {@code 2 + maxGroups} ints, zero before the first launch and left zero by each.
     * hidden % 32 == 0, inter % 32 == 0 ({@link #mmaFits}).
     */
    void expertMlpMmaFused(DeviceMemory x, MoeLayout layout, DeviceMemory gatePtrs, DeviceMemory upPtrs,
            DeviceMemory downPtrs, int maxGroups, int minRows, int maxRows, DeviceMemory act, DeviceMemory y,
            int hidden, int inter, DeviceMemory counters, CudaStream s) {
        if (!mmaFits(hidden, inter) || counters.byteSize() < (2L + maxGroups) * 4) {
            throw new IllegalArgumentException("the fused expert kernel needs hidden and inter % 32 == 0 and "
                    + (2 + maxGroups) + " counters; got " + hidden + ", " + inter + ", " + counters.byteSize() / 4);
        }
        int blocks = maxGroups * (inter / 8 + hidden / 16);
        expertMlpMmaFused.launch(Dim3.of(blocks), Dim3.of(128), 0, s,
                new KernelArgs().ptr(x).ptr(layout.rowToken()).ptr(gatePtrs).ptr(upPtrs).ptr(downPtrs)
                        .ptr(layout.groupExpert()).ptr(layout.groupStart()).ptr(layout.groupCount())
                        .ptr(layout.groupTotal()).i32(minRows).i32(maxRows).ptr(act).ptr(y).i32(hidden).i32(inter)
                        .i32(maxGroups).ptr(counters));
    }

    /** Rows of one m-tile of the tiled expert kernels (expert_tiled.cu). */
    static final int TILED_ROWS = 128;

    /**
     * Whether the tiled expert kernels (expert_tiled.cu) take these shapes: both GEMMs step K by 32; the caller also
     * checks that every expert matrix is 16-byte aligned.
     */
    static boolean tiledFits(int hidden, int inter) {
        return hidden % 32 == 0 && inter % 32 == 0;
    }

    /**
     * Tiled tensor-core gate/up with SiLU·mul fused, for the groups with {@code minRows <= count < maxRows}: 128-row
     * tiles through shared memory, meant for the large groups of prefill steps. {@code slots} (tokens x top-k) bounds
     * the tiles; groups are found on the device, so the launch needs no host read-back.
     */
    void expertGateUpTiled(DeviceMemory x, MoeLayout layout, DeviceMemory gatePtrs, DeviceMemory upPtrs,
            int maxGroups, int slots, int minRows, int maxRows, DeviceMemory act, int hidden, int inter,
            CudaStream s) {
        expertGateUpTiled.launch(Dim3.of((inter + 63) / 64, tiledRowTiles(slots, maxGroups)), Dim3.of(256), 0, s,
                new KernelArgs().ptr(x).ptr(layout.rowToken()).ptr(gatePtrs).ptr(upPtrs).ptr(layout.groupExpert())
                        .ptr(layout.groupStart()).ptr(layout.groupCount()).ptr(layout.groupTotal()).i32(minRows)
                        .i32(maxRows).ptr(act).i32(hidden).i32(inter));
    }

    /** Tiled tensor-core down projection for the groups with {@code minRows <= count < maxRows}, as above. */
    void expertDownTiled(DeviceMemory act, MoeLayout layout, DeviceMemory downPtrs, int maxGroups, int slots,
            int minRows, int maxRows, DeviceMemory y, int inter, int hidden, CudaStream s) {
        expertDownTiled.launch(Dim3.of((hidden + 127) / 128, tiledRowTiles(slots, maxGroups)), Dim3.of(256), 0, s,
                new KernelArgs().ptr(act).ptr(downPtrs).ptr(layout.groupExpert()).ptr(layout.groupStart())
                        .ptr(layout.groupCount()).ptr(layout.groupTotal()).i32(minRows).i32(maxRows).ptr(y)
                        .i32(inter).i32(hidden));
    }

    /** Most m-tiles the groups of {@code slots} rows can need: each group adds at most one partial tile. */
    static int tiledRowTiles(int slots, int maxGroups) {
        return (slots + TILED_ROWS - 1) / TILED_ROWS + maxGroups;
    }

    void expertCombine(DeviceMemory y, DeviceMemory slotRow, DeviceMemory weights, @Nullable DeviceMemory shared,
            @Nullable DeviceMemory gateLogit, DeviceMemory realTokens, DeviceMemory out, int tokens, int topK,
            int hidden, CudaStream s) {
        if (topK > 32) {
            throw new IllegalArgumentException("expert_combine takes at most 32 experts per token, got " + topK);
        }
        expertCombine.launch(new Dim3(tokens, (hidden + 255) / 256, 1), Dim3.of(256), 0, s,
                new KernelArgs().ptr(y).ptr(slotRow).ptr(weights)
                        .ptr(shared).ptr(gateLogit).ptr(realTokens).ptr(out).i32(topK).i32(hidden));
    }

    /** Most rows {@link #gemv} takes. */
    static final int GEMV_MAX_ROWS = 8;

    /**
     * {@code y [rows, n] = x [rows, k] · w [n, k]ᵀ} for at most {@link #GEMV_MAX_ROWS} rows (gemv.cu): one warp per
     * output feature streaming w once. k % 8 == 0, x and w 16-byte aligned.
     */
    void gemv(DeviceMemory x, DeviceMemory w, DeviceMemory y, int rows, int n, int k, boolean fp32Output,
            CudaStream s) {
        if (rows < 1 || rows > GEMV_MAX_ROWS || k % 8 != 0 || ((x.address() | w.address()) & 15) != 0) {
            throw new IllegalArgumentException("gemv takes 1.." + GEMV_MAX_ROWS + " rows, k % 8 == 0 and 16-byte "
                    + "aligned inputs; got " + rows + " rows, k " + k);
        }
        int variant = 32 - Integer.numberOfLeadingZeros(rows - 1); // 1 -> m1, 2 -> m2, 3..4 -> m4, 5..8 -> m8
        gemv[variant].launch(Dim3.of((n + 3) / 4), Dim3.of(128), 0, s,
                new KernelArgs().ptr(x).ptr(w).ptr(y).i32(rows).i32(k).i32(n).i32(fp32Output ? 1 : 0));
    }

    /**
     * Two or three {@link #gemv}s of the same input {@code x} in one launch, bf16 outputs: {@code y[i] = x · w[i]ᵀ}
     * with {@code w[i] [n[i], k]}. Each output is computed exactly as by {@link #gemv}.
     */
    void gemvShared(DeviceMemory x, DeviceMemory[] w, DeviceMemory[] y, int[] n, int rows, int k, CudaStream s) {
        if (w.length < 2 || w.length > 3 || y.length != w.length || n.length != w.length) {
            throw new IllegalArgumentException("gemvShared takes 2 or 3 weights, got " + w.length);
        }
        long addresses = x.address();
        for (DeviceMemory m : w) {
            addresses |= m.address();
        }
        if (rows < 1 || rows > GEMV_MAX_ROWS || k % 8 != 0 || (addresses & 15) != 0) {
            throw new IllegalArgumentException("gemv takes 1.." + GEMV_MAX_ROWS + " rows, k % 8 == 0 and 16-byte "
                    + "aligned inputs; got " + rows + " rows, k " + k);
        }
        int variant = 32 - Integer.numberOfLeadingZeros(rows - 1);
        boolean three = w.length == 3;
        int blocks = (n[0] + 3) / 4 + (n[1] + 3) / 4 + (three ? (n[2] + 3) / 4 : 0);
        gemv3[variant].launch(Dim3.of(blocks), Dim3.of(128), 0, s,
                new KernelArgs().ptr(x).ptr(w[0]).ptr(w[1]).ptr(three ? w[2] : null).ptr(y[0]).ptr(y[1])
                        .ptr(three ? y[2] : null).i32(n[0]).i32(n[1]).i32(three ? n[2] : 0).i32(rows).i32(k));
    }

    /** Most byte ranges one {@link #prefetchL2} launch takes. */
    static final int PREFETCH_RANGES = 4;
    /** Bytes each thread of {@code l2_prefetch} hands to the copy engine at a time (PREFETCH_PIECE). */
    private static final long PREFETCH_PIECE = 16384;

    /**
     * Asks the memory system to bring up to {@link #PREFETCH_RANGES} ranges into L2 (l2_prefetch.cu): a hint that
     * writes nothing. One 32-thread block per 32 pieces of 16 KB, at most {@code maxBlocks}, so that the requests
     * come from many SMs' copy engines. {@code afterPredecessor}: the requests wait until the previous kernel has
     * finished instead of going out while it runs.
     */
    void prefetchL2(List<? extends DeviceMemory> ranges, int maxBlocks, boolean afterPredecessor, CudaStream s) {
        if (ranges.isEmpty() || ranges.size() > PREFETCH_RANGES) {
            throw new IllegalArgumentException("prefetchL2 takes 1.." + PREFETCH_RANGES + " ranges, got "
                    + ranges.size());
        }
        KernelArgs args = new KernelArgs();
        long pieces = 0;
        for (int i = 0; i < PREFETCH_RANGES; i++) {
            DeviceMemory m = i < ranges.size() ? ranges.get(i) : null;
            args.ptr(m).i64(m == null ? 0 : m.byteSize());
            pieces += m == null ? 0 : (m.byteSize() + PREFETCH_PIECE - 1) / PREFETCH_PIECE;
        }
        int blocks = (int) Math.max(1, Math.min(maxBlocks, (pieces + 31) / 32));
        l2Prefetch.launch(Dim3.of(blocks), Dim3.of(32), 0, s, args.i32(afterPredecessor ? 1 : 0));
    }

    /** Fills {@code n} bf16 values with the dummy-weight hash of {@code fill} (same values as the CPU's). */
    void fillRandom(DeviceMemory out, long n, RandomWeights.Fill fill, CudaStream s) {
        fillRandom.launch(Dim3.of(blocks(n)), Dim3.of(THREADS), 0, s, new KernelArgs().ptr(out).i64(n)
                .i64(fill.nameSeed()).f32(fill.amplitude()).i32(fill.ones() ? 1 : 0));
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_GRID, (n + THREADS - 1) / THREADS));
    }

    @Override
    public void close() {
        module.close();
    }
}
