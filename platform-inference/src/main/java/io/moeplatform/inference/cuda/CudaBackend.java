package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.moeplatform.inference.model.AttentionShape;
import io.moeplatform.inference.model.DType;
import io.moeplatform.inference.model.DeepSeekBackend;
import io.moeplatform.inference.model.ExpertRouting;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.LatentAttentionShape;
import io.moeplatform.inference.model.MlpWeights;
import io.moeplatform.inference.model.ModelBackend;
import io.moeplatform.inference.model.MoeWeights;
import io.moeplatform.inference.model.RandomWeights;
import io.moeplatform.inference.model.RotaryEmbedding;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import io.moeplatform.inference.model.Tensor;
import io.moeplatform.inference.model.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@link ModelBackend} (and {@link DeepSeekBackend}: MLA over a latent cache, DeepSeekMoE routing) on one NVIDIA
 * GPU: bf16 weights and bf16 activations in device memory, fp32 accumulation
 * everywhere, cuBLAS for the dense linear layers, our kernels for norms, RoPE, paged attention and the routed
 * experts. All device work goes to one stream. The router's choices are grouped per expert on the device
 * ({@code moe_align}), so a step of up to {@code moe.cuda.deviceRoutingTokens} tokens never waits for the device
 * before its logits, and decode steps replay CUDA graphs per batch-size bucket ({@link DecodeGraphs}). Larger steps
 * (prefill) read the per-expert counts back once per MoE layer, so that experts with many rows run as cuBLAS GEMMs.
 *
 * <p>
 * Scratch memory is sized for {@code maxTokens} tokens per step and allocated on first use, so steady-state steps
 * allocate nothing. Not thread-safe; every call binds the context to the calling thread's CUDA state on
 * {@link #beginStep}.
 */
final class CudaBackend implements DeepSeekBackend {

    private final CudaContext context;
    private final DeviceArena arena;
    private final CudaStream stream;
    private final CublasHandle cublas;
    private final MoeKernels moeKernels;
    private final StepKernels kernels;
    private final WeightUploader uploader;
    private final int maxTokens;
    private final int maxLogitRows;
    private final int maxPositions;
    /**
     * In steps of more than {@code deviceRoutingTokens} tokens (prefill), experts with at least this many rows run on
     * the tiled kernels (or as cuBLAS GEMMs over their gathered rows), fewer rows on the grouped kernels, which
     * stream each weight row once per 32 rows (decode).
     */
    private final int expertGemmRows = Integer.getInteger("moe.cuda.expertGemmRows", 64);
    /** Steps of at most this many tokens run every expert group on the grouped (decode) kernels. */
    private final int deviceRoutingTokens = Integer.getInteger("moe.cuda.deviceRoutingTokens", 256);
    /** Linear layers of at most 8 rows run as our GEMV kernel instead of cuBLAS (decode batches). */
    private final boolean smallGemv = Boolean.parseBoolean(System.getProperty("moe.cuda.smallGemv", "true"));
    /**
     * Experts with at least this many rows in a step (and fewer than the cuBLAS threshold) run on the tensor-core
     * grouped kernels (expert_mma.cu), smaller ones on the CUDA-core kernels; 0 turns the tensor-core kernels off.
     * Default 1 (every group): measured on an H100 the tensor-core kernels were as fast at batch 1 and faster from
     * batch 8 on (qwen3-30b-a3b batch 64: 28.2 ms/step vs 33.7 with 4 and 40.4 without; PERF-NOTES.md).
     */
    private final int mmaExpertRows = Integer.getInteger("moe.cuda.mmaExpertRows", 1);
    /**
     * Steps of at most this many tokens run the tensor-core expert kernels with split K ({@code expert_mma.cu}); a
     * power of two, so that a step and its padded graph bucket agree. 0 turns it off. Measured on an H100 (tok/s,
     * split vs not): olmoe b1 525 / 503, b4 1,169 / 1,057, b8 1,564 / 1,476; qwen3 b1 199 / 195, b4 402 / 374, b8
     * 517 / 502.
     */
    private final int splitKTokens = Integer.getInteger("moe.cuda.splitKTokens", 8);
    /**
     * Prefill chunks attend with the tiled kernel (each K/V row read once per 64 query rows of a sequence) instead of
     * step_attention (once per query row); {@code -Dmoe.cuda.prefillTiled=false} goes back for comparison.
     */
    private final boolean prefillTiled = Boolean.parseBoolean(System.getProperty("moe.cuda.prefillTiled", "true"));
    /**
     * On the cuBLAS path ({@code -Dmoe.cuda.tiledExperts=false}), experts with many rows in a large step run as
     * batched cuBLAS GEMMs over row blocks padded to the largest group (a few calls per layer) instead of three GEMMs
     * per expert; {@code -Dmoe.cuda.batchedExpertGemms=false} goes back to one GEMM per expert and matrix.
     */
    private final boolean batchedExpertGemms = Boolean
            .parseBoolean(System.getProperty("moe.cuda.batchedExpertGemms", "true"));
    /**
     * Experts with many rows in a large step run on our tiled grouped kernels (expert_tiled.cu: rows gathered while
     * loading, SiLU·mul in the gate/up epilogue, no host read-back of the group table) instead of cuBLAS;
     * {@code -Dmoe.cuda.tiledExperts=false} goes back to cuBLAS. Measured on an H100: qwen3 2,048-token prefill 80 ms
     * against 126 ms with warmed-up cuBLAS (231-247 ms when cuBLAS meets the shapes for the first time).
     */
    private final boolean tiledExperts = Boolean.parseBoolean(System.getProperty("moe.cuda.tiledExperts", "true"));
    /**
     * Where the model's {@link #prefetch} hints are acted on in steps of at most {@link #prefetchTokens} tokens
     * ({@code -Dmoe.cuda.prefetch=attention,moe}): {@code attention} launches {@code l2_prefetch} of the hinted
     * weights (o_proj, router) next to the decode attention; {@code moe} next to the router, or {@code down} before
     * the expert down projection, the next layer's q/k/v. Empty by default until an A/B at batch 1 shows it pays.
     */
    private final List<String> prefetchAt = Arrays.stream(System.getProperty("moe.cuda.prefetch", "").split(","))
            .map(String::trim).filter(p -> !p.isEmpty()).toList();
    private final int prefetchTokens = Integer.getInteger("moe.cuda.prefetchTokens", 8);
    /** Weights hinted by {@link #prefetch} since the last attention or MoE block. */
    private final List<DeviceMemory> pendingPrefetches = new ArrayList<>(StepKernels.PREFETCH_RANGES);
    /**
     * Steps with split-K expert kernels run gate/up and down as one launch ({@code expert_mlp_mma_fused}: the down
     * blocks load their first weights and wait on device counters instead of a grid boundary);
     * {@code -Dmoe.cuda.fusedExperts=true}, off until measured on the GPU.
     */
    private final boolean fusedExperts = Boolean.getBoolean("moe.cuda.fusedExperts");
    /** See {@link #rowNormFits}. */
    private final boolean rowNormRope = Boolean.getBoolean("moe.cuda.rowNormRope");
    /** Tiles of this (non-decode) step for the tiled prefill attention, uploaded by {@link #beginStep}. */
    private int prefillTiles;
    private final @Nullable StepProfiler profiler;
    /** Device and host time of replayed decode steps ({@code -Dmoe.cuda.graphTiming=true}). */
    private final @Nullable GraphStepTimer graphTimer;
    /**
     * Operations held back so that the next one can take them into its launch, with the same math and roundings: a
     * residual {@code add} becomes the residual input of the following RMSNorm of the same tensor (rmsnorm's fused
     * residual), per-head q/k RMSNorms plus the RoPE of q and k become one {@code qk_norm_rope}, which also stores k
     * and v in the KV pool when the attention of the same q and k follows, and up to three GEMV-sized linear layers
     * of the same input (q, k, v) become one {@code gemv3} launch. Any other operation launches what is pending
     * first ({@link #flushPending}).
     */
    private final boolean fuse = Boolean.parseBoolean(System.getProperty("moe.cuda.fuse", "true"));
    private @Nullable PendingAdd pendingAdd;
    private final List<PendingNorm> pendingNorms = new ArrayList<>(2);
    private @Nullable PendingRotary pendingRotary;
    private final List<PendingLinear> pendingLinears = new ArrayList<>(3);
    private @Nullable PendingQkRope pendingQkRope;
    private final DecodeGraphs graphs;
    private DecodeGraphs.Mode mode = DecodeGraphs.Mode.EAGER;
    private DecodeGraphs.@Nullable Key graphKey;
    private boolean captureFailed;
    private @Nullable DeviceRandomWeights generated;
    /** (layer, expert) pairs the routed experts computed, counted on the device by {@code moe_align}. */
    private final DeviceBuffer expertsTouched;
    private final Map<String, DeviceBuffer> scratch = new HashMap<>();
    private final Map<String, PinnedHostBuffer> pinned = new HashMap<>();
    private final Map<MoeWeights, ExpertTable> expertTables = new IdentityHashMap<>();
    private final Map<RotaryEmbedding, DeviceBuffer[]> rotaryTables = new IdentityHashMap<>();
    /** fp32 device copies of vectors the kernels read in full precision (DeepSeek's e_score_correction_bias). */
    private final Map<Tensor, DeviceBuffer> fp32Vectors = new IdentityHashMap<>();
    /** MLA and DeepSeekMoE kernels, loaded for DeepSeek models only. */
    private @Nullable DeepSeekKernels deepSeekKernels;
    private final List<CudaActivations> activations = new ArrayList<>();
    private int activationsUsed;

    private @Nullable KvPool kv;
    private List<SequenceSlice> slices = List.of();
    private StepBatch batch = new StepBatch(List.of());
    /** Rows of this step's activations: the real tokens, padded up to a bucket for a captured decode step. */
    private int tokens;
    private int realTokens;
    /** Every slice of this step has one token: attention runs the split-K decode kernels. */
    private boolean decodeStep;
    private int tableStride;

    /**
     * Device addresses of one MoE layer's expert matrices: gate, up and down {@code [experts]} u64 arrays, and whether
     * every matrix is 16-byte aligned (the tensor-core kernels load 16-byte pieces).
     */
    private record ExpertTable(DeviceBuffer pointers, boolean aligned16) {}

    private record PendingAdd(Tensor acc, Tensor x) {}

    private record PendingNorm(Tensor x, Tensor weight, float eps, int groupSize) {}

    private record PendingRotary(Tensor x, int headDim, RotaryEmbedding rope) {}

    private record PendingLinear(Tensor x, CudaWeight weight, Tensor out) {}

    /**
     * A fused q/k norm + RoPE held until the attention, which may let it store k and v in the KV pool too;
     * {@code rowNorm}: the norms span each token's whole q or k row instead of one head.
     */
    private record PendingQkRope(Tensor q, Tensor k, DeviceBuffer cos, DeviceBuffer sin, @Nullable DeviceMemory qNorm,
            @Nullable DeviceMemory kNorm, int headDim, float eps, boolean rowNorm) {}

    /**
     * One layer's K and V pools, {@code [blocks, blockSize, kvHeads, headDim]} bf16 each; for a latent (MLA) shape
     * {@code keys} holds each layer's latent rows {@code [blocks, blockSize, width]} bf16 and {@code values} is empty.
     */
    private record KvPool(KvCacheShape shape, int blockSize, int blockCount, DeviceBuffer[] keys,
            DeviceBuffer[] values) {}

    CudaBackend(CudaContext context, int maxTokens, int maxLogitRows, int maxPositions) {
        this.context = context;
        this.maxTokens = maxTokens;
        this.maxLogitRows = maxLogitRows;
        this.maxPositions = maxPositions;
        this.arena = context.newArena();
        this.stream = context.newStream();
        this.cublas = CublasHandle.create(context, stream);
        this.moeKernels = MoeKernels.load(context);
        this.kernels = new StepKernels(context);
        this.uploader = new WeightUploader(context, arena, stream);
        this.expertsTouched = arena.allocate(8);
        expertsTouched.fill((byte) 0);
        this.profiler = Boolean.getBoolean("moe.cuda.profile") ? new StepProfiler(context) : null;
        this.graphTimer = Boolean.getBoolean("moe.cuda.graphTiming") ? new GraphStepTimer(context) : null;
        // events between operations would be frozen into a graph, so profiling runs every step eagerly
        this.graphs = new DecodeGraphs(
                Boolean.parseBoolean(System.getProperty("moe.cuda.graphs", "true")) && profiler == null);
    }

    /** Charges the device time since the previous mark to {@code label} when profiling. */
    private void mark(String label) {
        if (profiler != null) {
            profiler.mark(label, stream);
        }
    }

    /** The profile since the last call ({@code -Dmoe.cuda.profile=true}), or an empty string. */
    String takeProfile() {
        return profiler == null ? "" : profiler.takeReport();
    }

    /** Whether {@link #matmul} of this step's rows takes our GEMV. */
    private boolean gemvFits(DeviceMemory x, DeviceMemory w, int k) {
        return smallGemv && tokens <= StepKernels.GEMV_MAX_ROWS && k % 8 == 0
                && ((x.address() | w.address()) & 15) == 0;
    }

    /** Launches the held-back linear layers of one input: one GEMV, or {@code gemv3} for two or three. */
    private void flushLinears() {
        if (pendingLinears.isEmpty()) {
            return;
        }
        PendingLinear first = pendingLinears.getFirst();
        int k = first.weight().columns();
        String label = pendingLinears.size() + " x linear " + first.weight().rows() + "x" + k;
        if (pendingLinears.size() == 1) {
            matmul(act(first.x()), first.weight().memory(), act(first.out()), tokens, first.weight().rows(), k, false);
        } else {
            int count = pendingLinears.size();
            DeviceMemory[] w = new DeviceMemory[count];
            DeviceMemory[] y = new DeviceMemory[count];
            int[] n = new int[count];
            for (int i = 0; i < count; i++) {
                PendingLinear p = pendingLinears.get(i);
                w[i] = p.weight().memory();
                y[i] = act(p.out());
                n[i] = p.weight().rows();
            }
            kernels.gemvShared(act(first.x()), w, y, n, tokens, k, stream);
        }
        pendingLinears.clear();
        mark(label);
    }

    /** {@code y [rows, n] = x [rows, k] · w [n, k]ᵀ}: our GEMV for a few rows, cuBLAS otherwise. */
    private void matmul(DeviceMemory x, DeviceMemory w, DeviceMemory y, int rows, int n, int k, boolean fp32Output) {
        if (smallGemv && rows <= StepKernels.GEMV_MAX_ROWS && k % 8 == 0
                && ((x.address() | w.address()) & 15) == 0) {
            kernels.gemv(x, w, y, rows, n, k, fp32Output, stream);
        } else {
            cublas.linear(x, w, y, rows, n, k, fp32Output);
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Tensor weight(WeightTensor source) {
        RandomWeights.Fill fill = generated == null ? null : generated.fillOf(source);
        CudaWeight w;
        if (fill == null) {
            w = uploader.upload(source);
        } else {
            w = uploader.allocate(source);
            kernels.fillRandom(w.memory(), source.elementCount(), fill, stream);
        }
        if (source.name().endsWith("e_score_correction_bias")) {
            // the bias decides which experts run: keep the checkpoint's fp32 values, not their bf16 rounding
            fp32Vectors.put(w, fp32Copy(source, w, fill != null));
        }
        return w;
    }

    private DeviceBuffer fp32Copy(WeightTensor source, CudaWeight uploaded, boolean generatedOnDevice) {
        long n = source.elementCount();
        DeviceBuffer copy = arena.allocate(n * 4);
        if (generatedOnDevice || source.dtype() != DType.F32) {
            moeKernels.bf16ToF32(uploaded.memory(), copy, n, stream);
            return copy;
        }
        try (Arena host = Arena.ofConfined()) {
            MemorySegment floats = host.allocate(n * 4);
            MemorySegment.copy(source.data(), 0, floats, 0, n * 4);
            copy.copyFromHost(floats);
        }
        return copy;
    }

    /** Tensors handed out by {@code source} are generated on the device instead of uploaded. */
    void generateOnDevice(DeviceRandomWeights source) {
        this.generated = source;
    }

    /** Waits for the weight copies; call after the last {@link #weight}. */
    void finishLoading() {
        uploader.finish();
    }

    long uploadedBytes() {
        return uploader.uploadedBytes();
    }

    double uploadSeconds() {
        return uploader.seconds();
    }

    /** Distinct (layer, expert) pairs computed since the last call (for bytes-read accounting); waits for the device. */
    long takeExpertsTouched() {
        context.bindToCurrentThread();
        MemorySegment host = pinned("moe.touched", 8).segment().asSlice(0, 8);
        expertsTouched.copyToHost(host);
        expertsTouched.fill((byte) 0);
        return host.get(JAVA_LONG, 0);
    }

    /** Number of decode-step graphs captured so far. */
    int capturedGraphs() {
        return graphs.size();
    }

    /** Bytes of one KV block over all layers in bf16: K and V, or the one latent row of an MLA cache. */
    static long bytesPerBlock(KvCacheShape shape, int blockSize) {
        return (long) shape.floatsPerLayer() * shape.layers() * 2 * blockSize;
    }

    @Override
    public KvCacheGeometry allocateKvCache(KvCacheShape shape, int blockSize, int blockCount) {
        long bytes = (long) blockCount * blockSize * shape.kvHeads() * shape.headDim() * 2;
        DeviceBuffer[] k = new DeviceBuffer[shape.layers()];
        DeviceBuffer[] v = new DeviceBuffer[shape.latent() ? 0 : shape.layers()];
        for (int l = 0; l < shape.layers(); l++) {
            k[l] = arena.allocate(bytes);
            if (!shape.latent()) {
                v[l] = arena.allocate(bytes);
            }
        }
        kv = new KvPool(shape, blockSize, blockCount, k, v);
        return new KvCacheGeometry(blockSize, blockCount, bytesPerBlock(shape, blockSize));
    }

    @Override
    public void beginStep(StepBatch batch) {
        context.bindToCurrentThread();
        if (profiler != null) {
            mark("host between steps (scheduler, uploads)");
            profiler.collect();
        }
        KvPool pool = requireKv();
        pendingAdd = null; // left over only if the previous step failed half-way
        pendingNorms.clear();
        pendingRotary = null;
        pendingLinears.clear();
        pendingQkRope = null;
        pendingPrefetches.clear();
        this.batch = batch;
        slices = batch.slices();
        realTokens = batch.tokenCount();
        if (realTokens > maxTokens) {
            throw new IllegalArgumentException("a step of " + realTokens + " tokens exceeds the CUDA backend's "
                    + maxTokens + " max batch tokens; split the step or raise maxBatchTokens");
        }
        int stride = 1;
        boolean decode = true;
        for (SequenceSlice s : slices) {
            stride = Math.max(stride, (s.startPosition() + s.tokenIds().length + pool.blockSize() - 1)
                    / pool.blockSize());
            decode &= s.tokenIds().length == 1;
        }
        decodeStep = decode;
        tokens = realTokens;
        mode = DecodeGraphs.Mode.EAGER;
        graphKey = null;
        int bucket = decode && graphs.enabled() ? DecodeGraphs.bucket(realTokens, maxTokens) : -1;
        if (bucket > 0 && bucket <= deviceRoutingTokens) {
            // a graph's kernels see fixed shapes: pad the batch to its bucket, the table stride to a power of two
            tokens = bucket;
            stride = Math.min(stride <= 1 ? 1 : Integer.highestOneBit(stride - 1) << 1, maxBlocksPerSequence());
            graphKey = new DecodeGraphs.Key(tokens, stride);
            mode = graphs.modeFor(graphKey);
        }
        tableStride = stride;
        // ids [T], positions [T], KV slots [T], attended lengths [T], block tables [T, stride], real tokens [1]: one
        // upload. Padding tokens: id 0, position 0, no KV slot (-1), nothing attended, table of zeros.
        MemorySegment host = pinned("step", stepInts(maxTokens) * 4).segment();
        long used = (4L * tokens + (long) tokens * stride + 1) * 4;
        host.asSlice(0, used).fill((byte) 0);
        int t = 0;
        for (SequenceSlice s : slices) {
            for (int i = 0; i < s.tokenIds().length; i++, t++) {
                int pos = s.startPosition() + i;
                host.setAtIndex(JAVA_INT, t, s.tokenIds()[i]);
                host.setAtIndex(JAVA_INT, tokens + t, pos);
                host.setAtIndex(JAVA_INT, 2L * tokens + t,
                        s.blockTable()[pos / pool.blockSize()] * pool.blockSize() + pos % pool.blockSize());
                host.setAtIndex(JAVA_INT, 3L * tokens + t, pos + 1);
                long row = 4L * tokens + (long) t * stride;
                int blocks = Math.min(stride, s.blockTable().length);
                MemorySegment.copy(s.blockTable(), 0, host, JAVA_INT, row * 4, blocks);
            }
        }
        for (; t < tokens; t++) {
            host.setAtIndex(JAVA_INT, 2L * tokens + t, -1);
        }
        host.setAtIndex(JAVA_INT, 4L * tokens + (long) tokens * stride, realTokens);
        device("step", stepInts(maxTokens) * 4).copyFromHost(host.asSlice(0, used));
        // the tiled kernel pays off when slices bring many tokens; single decode tokens of a mixed step are better
        // served by step_attention, which spreads one row's context over 4 warps
        prefillTiles = decode || !prefillTiled || realTokens < 8 * slices.size() ? 0 : uploadPrefillTiles();
        activationsUsed = 0;
        if (mode == DecodeGraphs.Mode.CAPTURE) {
            stream.beginCapture();
        }
        if (profiler != null) {
            profiler.begin(stream);
        }
    }

    /** (first token, rows) of every run of up to 64 consecutive tokens of one slice, to the device; returns the count. */
    private int uploadPrefillTiles() {
        MemorySegment host = pinned("prefill.tiles", maxTokens * 8L).segment();
        int n = 0;
        int t = 0;
        for (SequenceSlice s : slices) {
            int length = s.tokenIds().length;
            for (int from = 0; from < length; from += StepKernels.PREFILL_TILE_ROWS, n++) {
                host.setAtIndex(JAVA_INT, 2L * n, t + from);
                host.setAtIndex(JAVA_INT, 2L * n + 1, Math.min(StepKernels.PREFILL_TILE_ROWS, length - from));
            }
            t += length;
        }
        device("prefill.tiles", maxTokens * 8L).copyFromHost(host.asSlice(0, n * 8L));
        return n;
    }

    private int maxBlocksPerSequence() {
        return (maxPositions + requireKv().blockSize() - 1) / requireKv().blockSize();
    }

    /** The number of real tokens of this step, as a device int (kernels of a padded graph read it). */
    private DeviceSlice realTokenCount() {
        return device("step", 0).slice((4L * tokens + (long) tokens * tableStride) * 4, 4);
    }

    /** False while a captured graph replays this step: the operations then queue nothing. */
    private boolean launches() {
        return mode != DecodeGraphs.Mode.REPLAY;
    }

    /**
     * Ends this step's kernels: a captured step becomes its key's graph, a captured or replayed step launches it.
     * Called first thing by {@link #logits}; the logits themselves run eagerly after the graph.
     */
    private void finishGraphedStep() {
        if (mode == DecodeGraphs.Mode.CAPTURE) {
            CudaGraph graph;
            try {
                graph = stream.endCapture();
            } catch (RuntimeException e) {
                // the stream has left capture mode; nothing of this step ran
                mode = DecodeGraphs.Mode.EAGER;
                captureFailed = true;
                graphs.disable("capture of a " + tokens + "-token decode step failed: " + e);
                throw e;
            }
            graphs.put(graphKey, graph);
        }
        if (mode != DecodeGraphs.Mode.EAGER) {
            boolean timed = graphTimer != null && mode == DecodeGraphs.Mode.REPLAY;
            mode = DecodeGraphs.Mode.EAGER;
            if (timed) {
                graphTimer.beforeGraph(stream, tokens);
            }
            graphs.graph(graphKey).launch(stream);
            if (timed) {
                graphTimer.afterGraph(stream);
            }
        }
    }

    /**
     * After a step failed while it was being captured: ends the capture (discarding it) and switches graphs off, so
     * that the caller can run the step again eagerly. Returns false when the failure had nothing to do with capture.
     */
    boolean abandonCapture(Throwable cause) {
        if (captureFailed) {
            captureFailed = false;
            return true;
        }
        if (mode != DecodeGraphs.Mode.CAPTURE) {
            return false;
        }
        mode = DecodeGraphs.Mode.EAGER;
        try {
            stream.endCapture().close();
        } catch (RuntimeException ignored) {
            // an invalidated capture fails to instantiate; the stream has left capture mode either way
        }
        graphs.disable("capture of a " + tokens + "-token decode step failed: " + cause);
        return true;
    }

    private long stepInts(int t) {
        return (4L + maxBlocksPerSequence()) * t + 1;
    }

    private DeviceSlice stepInts(int part, long count) {
        return device("step", 0).slice((long) part * tokens * 4, count * 4);
    }

    @Override
    public Tensor activations(int columns) {
        CudaActivations a;
        if (activationsUsed < activations.size() && activations.get(activationsUsed).columns() == columns) {
            a = activations.get(activationsUsed);
        } else {
            a = new CudaActivations(arena.allocate((long) maxTokens * columns * 2), columns);
            if (activationsUsed < activations.size()) {
                graphs.invalidate();
                activations.get(activationsUsed).memory.close();
                activations.set(activationsUsed, a);
            } else {
                activations.add(a);
            }
        }
        a.reshape(tokens);
        activationsUsed++;
        return a;
    }

    @Override
    public void embed(Tensor table, Tensor out) {
        if (!launches()) {
            return;
        }
        flushPending();
        CudaWeight w = (CudaWeight) table;
        moeKernels.embeddingGather(w.memory(), stepInts(0, tokens), act(out), tokens, w.columns(), w.rows(), stream);
        mark("embed");
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, int groupSize, Tensor out) {
        if (!launches()) {
            return;
        }
        flushHeld();
        if (pendingAdd != null && pendingAdd.acc() == x && groupSize == x.columns() && out != pendingAdd.x()) {
            // x += delta, then out = norm(x): rmsnorm with x as its residual stream
            moeKernels.rmsNorm(act(pendingAdd.x()), act(x), ((CudaWeight) weight).memory(), act(out), tokens,
                    groupSize, eps, stream);
            pendingAdd = null;
            mark("add + rmsnorm");
            return;
        }
        boolean perHead = groupSize < x.columns() && x.columns() % groupSize == 0 && groupSize % 2 == 0
                && groupSize <= StepKernels.QK_ROPE_MAX_HEAD_DIM;
        PendingNorm norm = new PendingNorm(x, weight, eps, groupSize);
        if (fuse && x == out && (perHead || rowNormFits(norm)) && pendingAdd == null && pendingRotary == null
                && pendingNorms.size() < 2) {
            pendingNorms.add(norm); // q/k norm: RoPE may follow
            return;
        }
        flushPending();
        launchRmsNorm(x, weight, eps, groupSize, out);
    }

    private void launchRmsNorm(Tensor x, Tensor weight, float eps, int groupSize, Tensor out) {
        int rows = tokens * x.columns() / groupSize;
        moeKernels.rmsNorm(act(x), null, ((CudaWeight) weight).memory(), act(out), rows, groupSize, eps, stream);
        mark("rmsnorm");
    }

    /** Launches the operations held back for fusion, in their order (see {@link #fuse}). */
    private void flushPending() {
        flushHeld();
        if (pendingAdd != null) {
            kernels.add(act(pendingAdd.acc()), act(pendingAdd.x()), (long) tokens * pendingAdd.acc().columns(),
                    stream);
            pendingAdd = null;
            mark("add");
        }
        for (PendingNorm n : pendingNorms) {
            launchRmsNorm(n.x(), n.weight(), n.eps(), n.groupSize(), n.x());
        }
        pendingNorms.clear();
        if (pendingRotary != null) {
            PendingRotary r = pendingRotary;
            pendingRotary = null;
            launchRotary(r.x(), r.headDim(), r.rope());
        }
    }

    @Override
    public void linear(Tensor x, Tensor weight, @Nullable Tensor bias, Tensor out) {
        if (!launches()) {
            return;
        }
        CudaWeight w = (CudaWeight) weight;
        boolean holdable = fuse && bias == null && out != x && gemvFits(act(x), w.memory(), w.columns());
        if (holdable && !pendingLinears.isEmpty() && pendingLinears.size() < 3 && pendingLinears.getFirst().x() == x
                && pendingLinears.getFirst().weight().columns() == w.columns()
                && pendingLinears.stream().noneMatch(p -> p.out() == out)) {
            pendingLinears.add(new PendingLinear(x, w, out));
            return;
        }
        flushPending();
        if (holdable) {
            pendingLinears.add(new PendingLinear(x, w, out)); // k and v of the same input may follow
            return;
        }
        matmul(act(x), w.memory(), act(out), tokens, w.rows(), w.columns(), false);
        if (bias != null) {
            kernels.addBias(act(out), ((CudaWeight) bias).memory(), tokens, w.rows(), stream);
        }
        mark("linear " + w.rows() + "x" + w.columns());
    }

    @Override
    public void rotary(Tensor x, int headDim, RotaryEmbedding rope) {
        if (!launches()) {
            return;
        }
        flushHeld();
        if (pendingAdd == null && fuse && headDim % 2 == 0 && headDim <= StepKernels.QK_ROPE_MAX_HEAD_DIM
                && pendingNorms.stream().allMatch(n -> n.groupSize() == headDim || rowNormFits(n))) {
            if (pendingRotary == null) {
                pendingRotary = new PendingRotary(x, headDim, rope); // q: k's RoPE comes next
                return;
            }
            if (pendingRotary.rope() == rope && pendingRotary.headDim() == headDim && pendingRotary.x() != x
                    && fusedQkRope(pendingRotary.x(), x, headDim, rope)) {
                return;
            }
        }
        flushPending();
        launchRotary(x, headDim, rope);
    }

    /** q's RoPE is pending, k's comes: one qk_norm_rope for both, with the pending norms of q and k, if they fit. */
    private boolean fusedQkRope(Tensor q, Tensor k, int headDim, RotaryEmbedding rope) {
        PendingNorm qNorm = null;
        PendingNorm kNorm = null;
        for (PendingNorm n : pendingNorms) {
            if (n.x() == q && qNorm == null) {
                qNorm = n;
            } else if (n.x() == k && kNorm == null) {
                kNorm = n;
            } else {
                return false;
            }
        }
        if (qNorm != null && kNorm != null && qNorm.eps() != kNorm.eps()) {
            return false;
        }
        boolean qRow = qNorm != null && qNorm.groupSize() != headDim;
        boolean kRow = kNorm != null && kNorm.groupSize() != headDim;
        boolean rowNorm = qRow || kRow;
        if (rowNorm && ((qNorm != null && !qRow) || (kNorm != null && !kRow) || q.columns() != k.columns())) {
            return false; // one kernel takes per-head norms or equally wide whole-row norms, not a mix
        }
        float eps = qNorm != null ? qNorm.eps() : kNorm != null ? kNorm.eps() : 0f;
        DeviceBuffer[] cs = rotaryTables.computeIfAbsent(rope, r -> rotaryTable(r, headDim));
        pendingNorms.clear();
        pendingRotary = null;
        pendingQkRope = new PendingQkRope(q, k, cs[0], cs[1],
                qNorm == null ? null : ((CudaWeight) qNorm.weight()).memory(),
                kNorm == null ? null : ((CudaWeight) kNorm.weight()).memory(), headDim, eps, rowNorm);
        return true;
    }

    /**
     * A pending RMSNorm over a whole q or k row that {@code qk_rownorm_rope} can take along with the RoPE
     * ({@code -Dmoe.cuda.rowNormRope=true}: OLMoE's q/k norms, two launches less per layer; off until measured).
     */
    private boolean rowNormFits(PendingNorm n) {
        return rowNormRope && n.groupSize() == n.x().columns()
                && n.groupSize() <= StepKernels.QK_ROW_NORM_MAX_WIDTH;
    }

    /** Launches the held q/k norm + RoPE; with {@code store} it also writes k and v to the KV pool. */
    private void launchQkRope(PendingQkRope p, StepKernels.@Nullable KvStore store) {
        pendingQkRope = null;
        if (p.rowNorm()) {
            kernels.qkRowNormRope(act(p.q()), act(p.k()), stepInts(1, tokens), p.cos(), p.sin(), p.qNorm(), p.kNorm(),
                    p.q().columns() / p.headDim(), p.headDim(), tokens, p.eps(), store, stream);
            mark(store == null ? "q/k row norm + rope" : "q/k row norm + rope + kv write");
            return;
        }
        kernels.qkNormRope(act(p.q()), act(p.k()), stepInts(1, tokens), p.cos(), p.sin(), p.qNorm(), p.kNorm(),
                p.q().columns() / p.headDim(), p.k().columns() / p.headDim(), p.headDim(), tokens, p.eps(), store,
                stream);
        mark(store == null ? "q/k norm + rope" : "q/k norm + rope + kv write");
    }

    /** Launches the operations that other operations' fusion conditions do not look at: linears, q/k RoPE. */
    private void flushHeld() {
        flushLinears();
        if (pendingQkRope != null) {
            launchQkRope(pendingQkRope, null);
        }
    }

    private void launchRotary(Tensor x, int headDim, RotaryEmbedding rope) {
        DeviceBuffer[] cs = rotaryTables.computeIfAbsent(rope, r -> rotaryTable(r, headDim));
        kernels.rope(act(x), stepInts(1, tokens), cs[0], cs[1], x.columns() / headDim, headDim, tokens, stream);
        mark("rope");
    }

    /** cos and sin {@code [maxPositions, headDim/2]} fp32, attention scaling folded in, as the CPU backend computes them. */
    private DeviceBuffer[] rotaryTable(RotaryEmbedding rope, int headDim) {
        int half = headDim / 2;
        float[] inv = rope.inverseFrequencies(maxPositions);
        float scale = rope.attentionScaling();
        long n = (long) maxPositions * half;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cos = a.allocate(n * 4);
            MemorySegment sin = a.allocate(n * 4);
            for (int p = 0; p < maxPositions; p++) {
                for (int i = 0; i < half; i++) {
                    float angle = inv[i] * p;
                    cos.setAtIndex(JAVA_FLOAT, (long) p * half + i, (float) Math.cos(angle) * scale);
                    sin.setAtIndex(JAVA_FLOAT, (long) p * half + i, (float) Math.sin(angle) * scale);
                }
            }
            DeviceBuffer c = arena.allocate(n * 4);
            DeviceBuffer s = arena.allocate(n * 4);
            c.copyFromHost(cos);
            s.copyFromHost(sin);
            return new DeviceBuffer[]{c, s};
        }
    }

    @Override
    public void pagedAttention(int layer, Tensor q, Tensor k, Tensor v, AttentionShape shape, Tensor out) {
        if (!launches()) {
            return;
        }
        KvPool pool = requireKv();
        int kvDim = shape.kvHeads() * shape.headDim();
        if (shape.headDim() > 256 || shape.headDim() % 2 != 0) {
            throw new IllegalArgumentException("the CUDA backend supports even head sizes up to 256, got "
                    + shape.headDim());
        }
        PendingQkRope rope = pendingQkRope;
        if (rope != null && rope.q() == q && rope.k() == k && rope.headDim() == shape.headDim()
                && k.columns() == kvDim && v.columns() == kvDim && pendingLinears.isEmpty()) {
            launchQkRope(rope, new StepKernels.KvStore(act(v), stepInts(2, tokens), pool.keys()[layer],
                    pool.values()[layer]));
            flushPending();
        } else {
            flushPending();
            kernels.kvWrite(act(k), act(v), stepInts(2, tokens), pool.keys()[layer], pool.values()[layer], kvDim,
                    tokens, stream);
            mark("kv write");
        }
        launchPrefetches("attention");
        pendingPrefetches.clear(); // hints meant for this site only
        if (decodeStep && shape.headDim() % 32 == 0) {
            decodeAttention(layer, q, shape, out);
        } else if (prefillTiles > 0 && shape.headDim() % 8 == 0
                && shape.headDim() <= StepKernels.PREFILL_MAX_HEAD_DIM) {
            kernels.prefillAttention(act(q), pool.keys()[layer], pool.values()[layer],
                    stepInts(4, (long) tokens * tableStride), stepInts(3, tokens), device("prefill.tiles", 0),
                    prefillTiles, act(out), shape.heads(), shape.kvHeads(), shape.headDim(), pool.blockSize(),
                    tableStride, shape.scale(), stream);
        } else {
            kernels.attention(act(q), pool.keys()[layer], pool.values()[layer],
                    stepInts(4, (long) tokens * tableStride), stepInts(3, tokens), act(out), tokens, shape.heads(),
                    shape.kvHeads(), shape.headDim(), pool.blockSize(), tableStride, shape.scale(), stream);
        }
        mark("attention");
    }

    /**
     * Split-K partitions of a decode step's attention over contexts of up to {@code maxLength} tokens: none when the
     * step already has two blocks per SM ({@code rows} = tokens x query heads), else enough for two blocks per SM and
     * at most 64 tokens per partition (the tokens of a partition are walked one after another by 4 warps, so at a
     * 2k context and batch 1 a partition of ~230 tokens made attention the largest kernel of the step), at most 64
     * partitions and at least 32 tokens each.
     */
    static int decodePartitions(int rows, int maxLength, int multiprocessors) {
        return decodePartitions(rows, maxLength, multiprocessors, DECODE_PARTITION_TOKENS);
    }

    /** As above with at most {@code partitionTokens} tokens per partition instead of 64. */
    static int decodePartitions(int rows, int maxLength, int multiprocessors, int partitionTokens) {
        int wanted = (2 * multiprocessors + rows - 1) / rows;
        if (wanted <= 1) {
            return 1;
        }
        int byLength = (maxLength + partitionTokens - 1) / partitionTokens;
        return Math.max(1, Math.min(Math.min(Math.max(wanted, byLength), 64), (maxLength + 31) / 32));
    }

    private static final int DECODE_PARTITION_TOKENS = 64;
    /**
     * Most tokens per split-K partition of decode attention ({@code -Dmoe.cuda.decodePartitionTokens}, default 64):
     * at 32 each warp of the per-head kernel has one group of 8 tokens, all of whose K/V rows
     * {@code -Dmoe.cuda.attentionEarlyKv=true} loads before the grid wait (an A/B for batch 1, not yet measured).
     */
    private final int decodePartitionTokens = Math.max(32,
            Integer.getInteger("moe.cuda.decodePartitionTokens", DECODE_PARTITION_TOKENS));

    /**
     * One query per sequence: the paged decode kernels, split-K by {@link #decodePartitions}. Lengths are bounded by
     * the table stride, so a captured graph's partitioning covers every replay.
     */
    private void decodeAttention(int layer, Tensor q, AttentionShape shape, Tensor out) {
        KvPool pool = requireKv();
        int maxLength = tableStride * pool.blockSize();
        PagedAttentionShape s = new PagedAttentionShape(tokens, shape.heads(), shape.kvHeads(), shape.headDim(),
                pool.blockSize(), tableStride, (long) shape.heads() * shape.headDim(), shape.scale());
        int partitions = decodePartitions(tokens * shape.heads(), maxLength, context.info().multiprocessors(),
                decodePartitionTokens);
        int partitionSize = (maxLength + partitions - 1) / partitions;
        // partitions > 1 only while tokens x heads < 2 x SMs, at most 64 each: 16 MiB covers that for head dims up
        // to 256 and is allocated once (a reallocation would invalidate the captured graphs)
        DeviceBuffer scratch = partitions > 1
                ? device("attention.splitK", Math.max(s.scratchBytes(partitions), 16L << 20))
                : null;
        // one counter per (sequence, head) for the per-head kernel's fused reduce: zeroed once, left zero by it
        DeviceBuffer counters = partitions > 1 && fuse
                ? zeroedDevice("attention.counters", (long) maxTokens * shape.heads() * 4)
                : null;
        moeKernels.pagedAttention(s, act(q), pool.keys()[layer], pool.values()[layer],
                stepInts(4, (long) tokens * tableStride), stepInts(3, tokens), act(out), partitions, partitionSize,
                scratch, counters, stream);
    }

    @Override
    public void latentAttention(int layer, Tensor q, Tensor compressedKv, Tensor kvNorm, float eps, Tensor kvB,
            LatentAttentionShape s, RotaryEmbedding rope, Tensor out) {
        if (!launches()) {
            return;
        }
        flushPending();
        KvPool pool = requireKv();
        if (!pool.shape().latent()) {
            throw new IllegalStateException("latentAttention needs a latent KV cache (KvCacheShape.latent)");
        }
        DeepSeekKernels.checkShape(s);
        DeepSeekKernels ds = deepSeek();
        DeviceBuffer[] cs = rotaryTables.computeIfAbsent(rope, r -> rotaryTable(r, s.ropeDim()));
        DeviceBuffer cache = pool.keys()[layer];
        DeviceSlice weightsB = ((CudaWeight) kvB).memory();
        ds.latentWrite(act(compressedKv), ((CudaWeight) kvNorm).memory(), eps, cs[0], cs[1], stepInts(1, tokens),
                stepInts(2, tokens), cache, s, tokens, stream);
        mark("mla latent write");
        long headsRank = (long) s.heads() * s.kvLoraRank();
        DeviceBuffer qc = device("mla.qc", maxTokens * headsRank * 4);
        DeviceBuffer qp = device("mla.qp", (long) maxTokens * s.heads() * s.ropeDim() * 4);
        DeviceBuffer o = device("mla.o", maxTokens * headsRank * 4);
        ds.absorbQuery(act(q), weightsB, cs[0], cs[1], stepInts(1, tokens), qc, qp, s, tokens, stream);
        mark("mla absorb query");
        // split-K for decode steps with few (token, head) blocks, as for the paged decode kernels; lengths are
        // bounded by the table stride, so a captured graph's partitioning covers every replay
        int maxLength = tableStride * pool.blockSize();
        int parts = 1;
        if (decodeStep) {
            int wanted = (2 * context.info().multiprocessors() + tokens * s.heads() - 1) / (tokens * s.heads());
            parts = Math.max(1, Math.min(Math.min(wanted, 64), (maxLength + 31) / 32));
        }
        int partitionSize = (maxLength + parts - 1) / parts;
        // parts > 1 only while tokens x heads < 2 x SMs: a few MiB cover every such step, allocated once
        DeviceBuffer scratch = parts > 1
                ? device("mla.splitK", Math.max(DeepSeekKernels.scratchBytes(s, tokens, parts), 4L << 20))
                : null;
        ds.attend(qc, qp, cache, stepInts(4, (long) tokens * tableStride), stepInts(3, tokens), o, scratch, s, tokens,
                pool.blockSize(), tableStride, parts, partitionSize, stream);
        mark("mla attention");
        ds.valueProjection(o, weightsB, act(out), s, tokens, stream);
        mark("mla value projection");
    }

    /** Loads the DeepSeek kernels now (at model load), so that no step loads a module. */
    void prepareDeepSeek() {
        context.bindToCurrentThread();
        deepSeek();
    }

    private DeepSeekKernels deepSeek() {
        if (deepSeekKernels == null) {
            deepSeekKernels = new DeepSeekKernels(context);
        }
        return deepSeekKernels;
    }

    @Override
    public void denseMlp(Tensor x, MlpWeights mlp, Tensor out) {
        if (!launches()) {
            return;
        }
        flushPending();
        dense(act(x), mlp, act(out));
        mark("dense mlp");
    }

    private void dense(DeviceMemory x, MlpWeights mlp, DeviceMemory out) {
        CudaWeight gate = (CudaWeight) mlp.gate();
        CudaWeight up = (CudaWeight) mlp.up();
        CudaWeight down = (CudaWeight) mlp.down();
        int inter = gate.rows();
        long bytes = (long) tokens * inter * 2;
        DeviceMemory g = device("dense.gate", (long) maxTokens * inter * 2).slice(0, bytes);
        DeviceMemory u = device("dense.up", (long) maxTokens * inter * 2).slice(0, bytes);
        DeviceMemory a = device("dense.act", (long) maxTokens * inter * 2).slice(0, bytes);
        matmul(x, gate.memory(), g, tokens, inter, gate.columns(), false);
        matmul(x, up.memory(), u, tokens, inter, up.columns(), false);
        kernels.siluMul(g, u, a, (long) tokens * inter, stream);
        matmul(a, down.memory(), out, tokens, down.rows(), inter, false);
    }

    @Override
    public void sparseMoe(Tensor x, MoeWeights moe, Tensor out) {
        moe(x, moe, null, null, out);
    }

    @Override
    public void routedExperts(Tensor x, MoeWeights moe, ExpertRouting routing, @Nullable Tensor correctionBias,
            Tensor out) {
        moe(x, moe, routing, correctionBias, out);
    }

    /** The MoE block: router, top-k (or DeepSeekMoE's {@code deepSeekRouting}), grouping, experts, combine. */
    private void moe(Tensor x, MoeWeights moe, @Nullable ExpertRouting deepSeekRouting,
            @Nullable Tensor correctionBias, Tensor out) {
        if (!launches()) {
            return;
        }
        flushPending();
        int experts = moe.experts().size();
        int k = deepSeekRouting != null ? deepSeekRouting.topK() : moe.topK();
        int hidden = x.columns();
        MlpWeights first = moe.experts().getFirst();
        int inter = first.gate().rows();
        if (hidden % 8 != 0 || inter % 8 != 0) {
            throw new IllegalArgumentException("the CUDA expert kernels need hidden and expert intermediate sizes "
                    + "divisible by 8, got " + hidden + " and " + inter);
        }
        CudaWeight router = (CudaWeight) moe.router();
        int slots = tokens * k;
        DeviceBuffer logits = device("moe.logits", (long) maxTokens * experts * 4);
        DeviceBuffer ids = device("moe.ids", (long) maxTokens * k * 4);
        DeviceBuffer weights = device("moe.weights", (long) maxTokens * k * 4);
        // rows grouped by expert (ascending), tokens ascending inside a group: on the device, no host round trip
        MoeLayout layout = MoeLayout.in(device("moe.layout", MoeLayout.ints((long) maxTokens * k, experts) * 4),
                slots, experts);
        if (deepSeekRouting == null && fuse && experts <= 256 && k <= 32 && gemvFits(act(x), router.memory(), hidden)) {
            // decode: the router GEMV, top-k and grouping in one launch (its last block routes)
            kernels.routerRouteAlign(act(x), router.memory(), logits, ids, weights, tokens, hidden, k,
                    moe.normalizeTopK(), realTokenCount(), experts, layout, expertsTouched,
                    zeroedDevice("moe.router.counter", 4), stream);
            mark("moe router gemm + top-k + align");
            launchPrefetches("moe");
        } else {
            matmul(act(x), router.memory(), logits, tokens, experts, hidden, true);
            mark("moe router gemm");
            route(logits, ids, weights, layout, k, experts, moe, deepSeekRouting, correctionBias);
        }
        DeviceBuffer activated = device("moe.act", (long) maxTokens * k * inter * 2);
        DeviceBuffer y = device("moe.y", (long) maxTokens * k * hidden * 2);
        ExpertTable table = expertTables.computeIfAbsent(moe, this::expertPointers);
        DeviceSlice gatePtrs = table.pointers().slice(0, experts * 8L);
        DeviceSlice upPtrs = table.pointers().slice(experts * 8L, experts * 8L);
        DeviceSlice downPtrs = table.pointers().slice(2L * experts * 8, experts * 8L);
        // small steps: every expert in the grouped kernels; large steps (prefill): experts with many rows on the
        // tiled kernels, or as cuBLAS GEMMs, which need their counts on the host (one wait per layer)
        boolean large = tokens > deviceRoutingTokens;
        boolean tiled = large && tiledExperts && table.aligned16() && StepKernels.tiledFits(hidden, inter);
        boolean viaHost = large && !tiled;
        int maxRows = large ? expertGemmRows : Integer.MAX_VALUE;
        int maxGroups = Math.min(experts, slots);
        // an expert has at most one row per token, so steps of fewer tokens than mmaExpertRows skip those kernels
        boolean mma = mmaExpertRows > 0 && tokens >= mmaExpertRows && mmaExpertRows < maxRows
                && table.aligned16() && StepKernels.mmaFits(hidden, inter);
        int smallRows = mma ? mmaExpertRows : maxRows;
        boolean small = smallRows > 1; // a group has at least one row
        // few tokens, few active experts: split K inside each block to keep enough weight loads in flight. The
        // threshold sits on a graph bucket edge, so an eager step and its padded graph make the same choice.
        boolean splitK = tokens <= splitKTokens;
        boolean fused = mma && splitK && fusedExperts && !small && !tiled && !viaHost;
        if (fused) {
            kernels.expertMlpMmaFused(act(x), layout, gatePtrs, upPtrs, downPtrs, maxGroups, mmaExpertRows, maxRows,
                    activated, y, hidden, inter, zeroedDevice("moe.fused.counters", (2L + experts) * 4), stream);
            mark("moe gate_up + down");
        }
        if (small) {
            kernels.expertGateUp(act(x), layout, gatePtrs, upPtrs, maxGroups, smallRows, activated, hidden, inter,
                    stream);
        }
        if (mma && !fused) {
            kernels.expertGateUpMma(act(x), layout, gatePtrs, upPtrs, maxGroups, mmaExpertRows, maxRows, activated,
                    hidden, inter, splitK, stream);
        }
        if (tiled) {
            kernels.expertGateUpTiled(act(x), layout, gatePtrs, upPtrs, maxGroups, slots, expertGemmRows,
                    Integer.MAX_VALUE, activated, hidden, inter, stream);
        }
        if (!fused) {
            mark("moe gate_up");
        }
        // with the fused experts there is no launch between gate/up and down: the next layer's q/k/v then go out
        // after both, during the combine and the next add + RMSNorm
        launchPrefetches("down");
        pendingPrefetches.clear();
        if (small) {
            kernels.expertDown(activated, layout, downPtrs, maxGroups, smallRows, y, inter, hidden, stream);
        }
        if (mma && !fused) {
            kernels.expertDownMma(activated, layout, downPtrs, maxGroups, mmaExpertRows, maxRows, y, inter, hidden,
                    splitK, stream);
        }
        if (tiled) {
            kernels.expertDownTiled(activated, layout, downPtrs, maxGroups, slots, expertGemmRows, Integer.MAX_VALUE,
                    y, inter, hidden, stream);
        }
        if (!fused) {
            mark("moe down");
        }
        if (viaHost) {
            expertGemms(x, moe, layout, activated, y, hidden, inter);
            mark("moe expert gemms");
        }

        DeviceMemory shared = null;
        DeviceMemory sharedGate = null;
        if (moe.sharedExpert() != null) {
            shared = device("moe.shared", (long) maxTokens * hidden * 2);
            dense(act(x), moe.sharedExpert(), shared);
            if (moe.sharedExpertGate() != null) {
                sharedGate = device("moe.sharedGate", maxTokens * 4L);
                matmul(act(x), ((CudaWeight) moe.sharedExpertGate()).memory(), sharedGate, tokens, 1, hidden,
                        true);
            }
            mark("moe shared expert");
        }
        kernels.expertCombine(y, layout.slotRow(), weights, shared, sharedGate, realTokenCount(), act(out), tokens, k,
                hidden, stream);
        mark("moe combine");
    }

    /** Top-k of the router's logits (or DeepSeekMoE's routing) and the grouping of the slots by expert. */
    private void route(DeviceBuffer logits, DeviceBuffer ids, DeviceBuffer weights, MoeLayout layout, int k,
            int experts, MoeWeights moe, @Nullable ExpertRouting deepSeekRouting, @Nullable Tensor correctionBias) {
        if (deepSeekRouting == null && fuse && tokens <= StepKernels.ROUTE_ALIGN_MAX_TOKENS) {
            kernels.routeAndAlign(logits, ids, weights, tokens, k, moe.normalizeTopK(), realTokenCount(), experts,
                    layout, expertsTouched, zeroedDevice("moe.router.counter", 4), stream);
            mark("moe router top-k + align");
            return;
        }
        if (deepSeekRouting != null) {
            DeviceBuffer bias = correctionBias == null ? null : fp32Vectors.get(correctionBias);
            if (correctionBias != null && bias == null) {
                throw new IllegalStateException("the correction bias has no fp32 copy (loaded under another name?)");
            }
            deepSeek().route(logits, bias, ids, weights, deepSeekRouting, experts, tokens, stream);
        } else {
            moeKernels.moeRouter(logits, ids, weights, tokens, experts, k, moe.normalizeTopK(), stream);
        }
        mark("moe router top-k");
        kernels.moeAlign(ids, realTokenCount(), k, experts, layout, expertsTouched, stream);
        mark("moe align");
    }

    /** Experts with at least {@code expertGemmRows} rows: gather their rows, then cuBLAS GEMMs into act/y rows. */
    private void expertGemms(Tensor x, MoeWeights moe, MoeLayout layout, DeviceBuffer activated, DeviceBuffer y,
            int hidden, int inter) {
        int experts = moe.experts().size();
        // group expert, start, count [experts] each and the group total, read back in one copy
        long groupBytes = (3L * experts + 1) * 4;
        MemorySegment groups = pinned("moe.groups", groupBytes).segment().asSlice(0, groupBytes);
        CudaDriver.get().copyDeviceToHost(groups, layout.groupExpert().address(), groupBytes);
        int total = groups.getAtIndex(JAVA_INT, 3L * experts);
        if (batchedExpertGemms && batchedExpertGemms(x, moe, layout, groups, total, y, hidden, inter)) {
            return;
        }
        for (int g = 0; g < total; g++) {
            int e = groups.getAtIndex(JAVA_INT, g);
            int start = groups.getAtIndex(JAVA_INT, experts + g);
            int n = groups.getAtIndex(JAVA_INT, 2L * experts + g);
            if (n < expertGemmRows) {
                continue;
            }
            MlpWeights m = moe.experts().get(e);
            DeviceSlice xs = device("moe.gathered", (long) maxTokens * hidden * 2).slice(0, (long) n * hidden * 2);
            DeviceSlice gs = device("moe.gate", (long) maxTokens * inter * 2).slice(0, (long) n * inter * 2);
            DeviceSlice us = device("moe.up", (long) maxTokens * inter * 2).slice(0, (long) n * inter * 2);
            DeviceSlice as = activated.slice((long) start * inter * 2, (long) n * inter * 2);
            DeviceSlice ys = y.slice((long) start * hidden * 2, (long) n * hidden * 2);
            moeKernels.embeddingGather(act(x), layout.rowToken().slice(start * 4L, n * 4L), xs, n, hidden, tokens,
                    stream);
            cublas.linear(xs, ((CudaWeight) m.gate()).memory(), gs, n, inter, hidden, false);
            cublas.linear(xs, ((CudaWeight) m.up()).memory(), us, n, inter, hidden, false);
            kernels.siluMul(gs, us, as, (long) n * inter, stream);
            cublas.linear(as, ((CudaWeight) m.down()).memory(), ys, n, hidden, inter, false);
        }
    }

    /**
     * The experts of at least {@code expertGemmRows} rows as batched GEMMs: their rows gathered into blocks of
     * {@code maxRows} (the largest such group; padding rows zero), gate and up as two batched GEMMs, SiLU·mul, down
     * as one, the real rows scattered back to {@code y}; in chunks of as many groups as {@code maxTokens} padded rows
     * hold, so the scratch is that of the per-expert path. Returns false (nothing done) when a single group has more
     * rows than that.
     */
    private boolean batchedExpertGemms(Tensor x, MoeWeights moe, MoeLayout layout, MemorySegment groups, int total,
            DeviceBuffer y, int hidden, int inter) {
        int experts = moe.experts().size();
        int[] chosen = new int[total];
        int count = 0;
        int maxRows = 0;
        for (int g = 0; g < total; g++) {
            int n = groups.getAtIndex(JAVA_INT, 2L * experts + g);
            if (n >= expertGemmRows) {
                chosen[count++] = g;
                maxRows = Math.max(maxRows, n);
            }
        }
        if (count == 0) {
            return true;
        }
        if (maxRows > maxTokens) {
            return false;
        }
        int perChunk = maxTokens / maxRows;
        DeviceBuffer xpad = device("moe.gathered", (long) maxTokens * hidden * 2);
        DeviceBuffer gpad = device("moe.gate", (long) maxTokens * inter * 2);
        DeviceBuffer upad = device("moe.up", (long) maxTokens * inter * 2);
        DeviceBuffer apad = device("moe.apad", (long) maxTokens * inter * 2);
        DeviceBuffer ypad = device("moe.ypad", (long) maxTokens * hidden * 2);
        // one upload for every chunk (the chunks' GEMMs are queued before any runs): starts and counts [count] int32,
        // then 8 pointer arrays [count] u64: x, gate, g, up, u, a, down, y
        long intBytes = (2L * count * 4 + 7) & ~7L;
        long bytes = intBytes + 8L * count * 8;
        MemorySegment host = pinned("moe.batch", (long) experts * 72 + 8).segment().asSlice(0, bytes);
        for (int c = 0; c < count; c++) {
            int g = chosen[c];
            int slot = c % perChunk;
            MlpWeights m = moe.experts().get(groups.getAtIndex(JAVA_INT, g));
            host.setAtIndex(JAVA_INT, c, groups.getAtIndex(JAVA_INT, experts + g));
            host.setAtIndex(JAVA_INT, count + c, groups.getAtIndex(JAVA_INT, 2L * experts + g));
            long[] pointers = {xpad.address() + (long) slot * maxRows * hidden * 2,
                    ((CudaWeight) m.gate()).memory().address(), gpad.address() + (long) slot * maxRows * inter * 2,
                    ((CudaWeight) m.up()).memory().address(), upad.address() + (long) slot * maxRows * inter * 2,
                    apad.address() + (long) slot * maxRows * inter * 2, ((CudaWeight) m.down()).memory().address(),
                    ypad.address() + (long) slot * maxRows * hidden * 2};
            for (int a = 0; a < pointers.length; a++) {
                host.set(JAVA_LONG, intBytes + ((long) a * count + c) * 8, pointers[a]);
            }
        }
        DeviceBuffer table = device("moe.batch", (long) experts * 72 + 8);
        table.copyFromHost(host);
        for (int from = 0; from < count; from += perChunk) {
            int n = Math.min(perChunk, count - from);
            DeviceSlice starts = table.slice(from * 4L, n * 4L);
            DeviceSlice counts = table.slice((count + from) * 4L, n * 4L);
            DeviceSlice[] p = new DeviceSlice[8];
            for (int a = 0; a < p.length; a++) {
                p[a] = table.slice(intBytes + ((long) a * count + from) * 8, n * 8L);
            }
            kernels.gatherPaddedRows(act(x), layout.rowToken(), starts, counts, xpad, n, maxRows, hidden, stream);
            cublas.linearPointerBatched(p[0], p[1], p[2], maxRows, inter, hidden, n);
            cublas.linearPointerBatched(p[0], p[3], p[4], maxRows, inter, hidden, n);
            kernels.siluMul(gpad, upad, apad, (long) n * maxRows * inter, stream);
            cublas.linearPointerBatched(p[5], p[6], p[7], maxRows, hidden, inter, n);
            kernels.scatterPaddedRows(ypad, starts, counts, y, n, maxRows, hidden, stream);
        }
        return true;
    }

    /** Device addresses of every expert's gate, up and down matrices: three {@code [experts]} u64 arrays. */
    private ExpertTable expertPointers(MoeWeights moe) {
        int experts = moe.experts().size();
        DeviceBuffer table = arena.allocate(3L * experts * 8);
        long addressBits = 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(3L * experts * 8);
            for (int e = 0; e < experts; e++) {
                MlpWeights m = moe.experts().get(e);
                long gate = ((CudaWeight) m.gate()).memory().address();
                long up = ((CudaWeight) m.up()).memory().address();
                long down = ((CudaWeight) m.down()).memory().address();
                host.setAtIndex(JAVA_LONG, e, gate);
                host.setAtIndex(JAVA_LONG, experts + e, up);
                host.setAtIndex(JAVA_LONG, 2L * experts + e, down);
                addressBits |= gate | up | down;
            }
            table.copyFromHost(host);
        }
        return new ExpertTable(table, (addressBits & 15) == 0);
    }

    @Override
    public void prefetch(Tensor weight) {
        if (weight instanceof CudaWeight w && launches() && !prefetchAt.isEmpty() && tokens <= prefetchTokens
                && pendingPrefetches.size() < StepKernels.PREFETCH_RANGES) {
            pendingPrefetches.add(w.memory());
        }
    }

    /** Launches the hinted prefetches if {@code site} is one of {@link #prefetchAt}. */
    private void launchPrefetches(String site) {
        if (!pendingPrefetches.isEmpty() && prefetchAt.contains(site)) {
            // between two weight-streaming kernels (down) the requests wait for the first one to finish
            kernels.prefetchL2(pendingPrefetches, context.info().multiprocessors(), site.equals("down"), stream);
            pendingPrefetches.clear();
            mark("l2 prefetch");
        }
    }

    @Override
    public void add(Tensor acc, Tensor x) {
        if (!launches()) {
            return;
        }
        flushPending();
        pendingAdd = new PendingAdd(acc, x);
        if (!fuse) {
            flushPending();
        }
    }

    /**
     * Final norm and lm_head for the last token of every slice that asks for output. Rows the batch marks greedy-only
     * go first: their GEMM covers only the first {@code greedyVocabulary} rows of the lm_head (the tokenizer's
     * tokens), the argmax runs on the device and only the token ids come back; the other rows get full fp32 logits
     * as before. A step with both kinds reads the lm_head twice (two GEMMs), which costs less than copying the
     * greedy rows' logits to the host.
     */
    @Override
    public StepResult logits(Tensor hidden, Tensor norm, float eps, Tensor lmHead) {
        flushPending();
        finishGraphedStep();
        int h = hidden.columns();
        CudaWeight head = (CudaWeight) lmHead;
        int vocab = head.rows();
        int outputs = batch.outputRows();
        if (outputs == 0) {
            stream.synchronize();
            return new StepResult(new float[0][]);
        }
        if (outputs > maxLogitRows) {
            throw new IllegalArgumentException(outputs + " slices ask for logits, the CUDA backend returns at most "
                    + maxLogitRows + " per step; raise maxSequences");
        }
        // gather order: greedy rows first, then rows that want logits; order[i] = output row of gathered row i
        MemorySegment rowIds = pinned("logits.rows", maxTokens * 4L).segment();
        int[] order = new int[outputs];
        int gathered = 0;
        int greedyRows = 0;
        for (int pass = 0; pass < 2; pass++) {
            int end = 0;
            int row = 0;
            for (SequenceSlice s : slices) {
                end += s.tokenIds().length;
                if (s.needsLogits()) {
                    if (batch.greedyOnly(row) == (pass == 0)) {
                        rowIds.setAtIndex(JAVA_INT, gathered, end - 1);
                        order[gathered++] = row;
                    }
                    row++;
                }
            }
            if (pass == 0) {
                greedyRows = gathered;
            }
        }
        DeviceBuffer rowDevice = device("logits.rows", maxTokens * 4L);
        rowDevice.copyFromHost(rowIds.asSlice(0, outputs * 4L));
        DeviceBuffer selected = device("logits.selected", (long) maxLogitRows * h * 2);
        // gather the rows (the embedding kernel with the step's hidden states as the table), norm, project
        moeKernels.embeddingGather(act(hidden), rowDevice, selected, outputs, h, tokens, stream);
        moeKernels.rmsNorm(selected, null, ((CudaWeight) norm).memory(), selected, outputs, h, eps, stream);
        mark("logits rows + final norm");
        DeviceBuffer out = device("logits.out", (long) maxLogitRows * vocab * 4);
        float[][] logits = new float[outputs][];
        int[] tokenIds = new int[outputs];
        Arrays.fill(tokenIds, -1);
        if (greedyRows > 0) {
            int limit = Math.min(vocab, batch.greedyVocabulary());
            matmul(selected, head.memory(), out, greedyRows, limit, h, true);
            mark("lm_head (greedy rows)");
            DeviceBuffer ids = device("logits.ids", maxLogitRows * 4L);
            moeKernels.argmax(out, ids, greedyRows, limit, stream);
            mark("argmax");
            MemorySegment hostIds = pinned("logits.ids", maxLogitRows * 4L).segment().asSlice(0, greedyRows * 4L);
            ids.copyToHost(hostIds);
            for (int i = 0; i < greedyRows; i++) {
                tokenIds[order[i]] = hostIds.getAtIndex(JAVA_INT, i);
            }
        }
        int full = outputs - greedyRows;
        if (full > 0) {
            DeviceSlice rest = selected.slice((long) greedyRows * h * 2, (long) full * h * 2);
            cublas.linear(rest, head.memory(), out, full, vocab, h, true);
            MemorySegment host = pinned("logits.out", (long) maxLogitRows * vocab * 4).segment().asSlice(0,
                    (long) full * vocab * 4);
            out.copyToHost(host);
            for (int i = 0; i < full; i++) {
                logits[order[greedyRows + i]] = host.asSlice((long) i * vocab * 4, (long) vocab * 4)
                        .toArray(JAVA_FLOAT);
            }
        }
        if (graphTimer != null) {
            graphTimer.afterLogits(stream);
        }
        return new StepResult(logits, tokenIds);
    }

    private DeviceBuffer act(Tensor t) {
        return ((CudaActivations) t).memory;
    }

    /** Scratch buffer {@code name}, allocated on first use with {@code bytes} (sized for the max step). */
    private DeviceBuffer device(String name, long bytes) {
        DeviceBuffer b = scratch.get(name);
        if (b == null || b.byteSize() < bytes) {
            if (b != null) {
                graphs.invalidate();
                b.close();
            }
            b = arena.allocate(Math.max(bytes, 256));
            scratch.put(name, b);
        }
        return b;
    }

    /** As {@link #device}, filled with zeros when (re)allocated; kernels that use it must leave it zero. */
    private DeviceBuffer zeroedDevice(String name, long bytes) {
        DeviceBuffer b = scratch.get(name);
        if (b == null || b.byteSize() < bytes) {
            b = device(name, bytes);
            b.fill((byte) 0);
        }
        return b;
    }

    private PinnedHostBuffer pinned(String name, long bytes) {
        PinnedHostBuffer b = pinned.get(name);
        if (b == null || b.segment().byteSize() < bytes) {
            if (b != null) {
                b.close();
            }
            b = context.allocatePinned(Math.max(bytes, 256));
            pinned.put(name, b);
        }
        return b;
    }

    private KvPool requireKv() {
        if (kv == null) {
            throw new IllegalStateException("allocateKvCache was not called");
        }
        return kv;
    }

    @Override
    public void close() {
        try {
            stream.synchronize();
        } finally {
            uploader.close();
            graphs.close();
            if (profiler != null) {
                profiler.close();
            }
            if (graphTimer != null) {
                graphTimer.close();
            }
            pinned.values().forEach(PinnedHostBuffer::close);
            kernels.close();
            if (deepSeekKernels != null) {
                deepSeekKernels.close();
            }
            moeKernels.close();
            cublas.close();
            arena.close();
            stream.close();
        }
    }
}
