package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.moeplatform.inference.model.AttentionShape;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.MlpWeights;
import io.moeplatform.inference.model.ModelBackend;
import io.moeplatform.inference.model.MoeWeights;
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
 * {@link ModelBackend} on one NVIDIA GPU: bf16 weights and bf16 activations in device memory, fp32 accumulation
 * everywhere, cuBLAS for the dense linear layers, our kernels for norms, RoPE, paged attention and the routed
 * experts. All device work goes to one stream; the host waits for the device once per MoE layer (to read the
 * router's choices and group the step's rows per expert) and once per step for the logits.
 *
 * <p>
 * Scratch memory is sized for {@code maxTokens} tokens per step and allocated on first use, so steady-state steps
 * allocate nothing. Not thread-safe; every call binds the context to the calling thread's CUDA state on
 * {@link #beginStep}.
 */
final class CudaBackend implements ModelBackend {

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
     * Experts with at least this many rows in a step run as cuBLAS GEMMs over their gathered rows (prefill), fewer
     * rows go to the grouped kernels, which read each weight row once per 8 rows (decode).
     */
    private final int expertGemmRows = Integer.getInteger("moe.cuda.expertGemmRows", 64);
    private final Map<String, DeviceBuffer> scratch = new HashMap<>();
    private final Map<String, PinnedHostBuffer> pinned = new HashMap<>();
    private final Map<MoeWeights, DeviceBuffer> expertTables = new IdentityHashMap<>();
    private final Map<RotaryEmbedding, DeviceBuffer[]> rotaryTables = new IdentityHashMap<>();
    private final List<CudaActivations> activations = new ArrayList<>();
    private int activationsUsed;

    private @Nullable KvPool kv;
    private List<SequenceSlice> slices = List.of();
    private StepBatch batch = new StepBatch(List.of());
    private int tokens;
    private int tableStride;
    private long expertsTouched;

    /** One layer's K and V pools, {@code [blocks, blockSize, kvHeads, headDim]} bf16 each. */
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
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public Tensor weight(WeightTensor source) {
        return uploader.upload(source);
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

    /** Distinct (layer, expert) pairs computed since the last call (for bytes-read accounting). */
    long takeExpertsTouched() {
        long n = expertsTouched;
        expertsTouched = 0;
        return n;
    }

    /** Bytes of one KV block over all layers: K and V in bf16. */
    static long bytesPerBlock(KvCacheShape shape, int blockSize) {
        return 2L * shape.layers() * shape.kvHeads() * shape.headDim() * 2 * blockSize;
    }

    @Override
    public KvCacheGeometry allocateKvCache(KvCacheShape shape, int blockSize, int blockCount) {
        long bytes = (long) blockCount * blockSize * shape.kvHeads() * shape.headDim() * 2;
        DeviceBuffer[] k = new DeviceBuffer[shape.layers()];
        DeviceBuffer[] v = new DeviceBuffer[shape.layers()];
        for (int l = 0; l < shape.layers(); l++) {
            k[l] = arena.allocate(bytes);
            v[l] = arena.allocate(bytes);
        }
        kv = new KvPool(shape, blockSize, blockCount, k, v);
        return new KvCacheGeometry(blockSize, blockCount, bytesPerBlock(shape, blockSize));
    }

    @Override
    public void beginStep(StepBatch batch) {
        context.bindToCurrentThread();
        KvPool pool = requireKv();
        this.batch = batch;
        slices = batch.slices();
        tokens = batch.tokenCount();
        if (tokens > maxTokens) {
            throw new IllegalArgumentException("a step of " + tokens + " tokens exceeds the CUDA backend's "
                    + maxTokens + " max batch tokens; split the step or raise maxBatchTokens");
        }
        int stride = 1;
        for (SequenceSlice s : slices) {
            stride = Math.max(stride, (s.startPosition() + s.tokenIds().length + pool.blockSize() - 1)
                    / pool.blockSize());
        }
        tableStride = stride;
        // ids [T], positions [T], KV slots [T], attended lengths [T], block tables [T, stride]: one upload
        MemorySegment host = pinned("step", stepInts(maxTokens) * 4).segment();
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
        long used = (4L * tokens + (long) tokens * stride) * 4;
        device("step", stepInts(maxTokens) * 4).copyFromHost(host.asSlice(0, used));
        activationsUsed = 0;
    }

    private long stepInts(int t) {
        long maxBlocks = (maxPositions + requireKv().blockSize() - 1) / requireKv().blockSize();
        return (4 + maxBlocks) * t;
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
        CudaWeight w = (CudaWeight) table;
        moeKernels.embeddingGather(w.memory(), stepInts(0, tokens), act(out), tokens, w.columns(), w.rows(), stream);
    }

    @Override
    public void rmsNorm(Tensor x, Tensor weight, float eps, int groupSize, Tensor out) {
        int rows = tokens * x.columns() / groupSize;
        moeKernels.rmsNorm(act(x), null, ((CudaWeight) weight).memory(), act(out), rows, groupSize, eps, stream);
    }

    @Override
    public void linear(Tensor x, Tensor weight, @Nullable Tensor bias, Tensor out) {
        CudaWeight w = (CudaWeight) weight;
        cublas.linear(act(x), w.memory(), act(out), tokens, w.rows(), w.columns(), false);
        if (bias != null) {
            kernels.addBias(act(out), ((CudaWeight) bias).memory(), tokens, w.rows(), stream);
        }
    }

    @Override
    public void rotary(Tensor x, int headDim, RotaryEmbedding rope) {
        DeviceBuffer[] cs = rotaryTables.computeIfAbsent(rope, r -> rotaryTable(r, headDim));
        kernels.rope(act(x), stepInts(1, tokens), cs[0], cs[1], x.columns() / headDim, headDim, tokens, stream);
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
        KvPool pool = requireKv();
        int kvDim = shape.kvHeads() * shape.headDim();
        if (shape.headDim() > 256 || shape.headDim() % 2 != 0) {
            throw new IllegalArgumentException("the CUDA backend supports even head sizes up to 256, got "
                    + shape.headDim());
        }
        kernels.kvWrite(act(k), act(v), stepInts(2, tokens), pool.keys()[layer], pool.values()[layer], kvDim, tokens,
                stream);
        kernels.attention(act(q), pool.keys()[layer], pool.values()[layer],
                stepInts(4, (long) tokens * tableStride), stepInts(3, tokens), act(out), tokens, shape.heads(),
                shape.kvHeads(), shape.headDim(), pool.blockSize(), tableStride, shape.scale(), stream);
    }

    @Override
    public void denseMlp(Tensor x, MlpWeights mlp, Tensor out) {
        dense(act(x), mlp, act(out));
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
        cublas.linear(x, gate.memory(), g, tokens, inter, gate.columns(), false);
        cublas.linear(x, up.memory(), u, tokens, inter, up.columns(), false);
        kernels.siluMul(g, u, a, (long) tokens * inter, stream);
        cublas.linear(a, down.memory(), out, tokens, down.rows(), inter, false);
    }

    @Override
    public void sparseMoe(Tensor x, MoeWeights moe, Tensor out) {
        int experts = moe.experts().size();
        int k = moe.topK();
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
        cublas.linear(act(x), router.memory(), logits, tokens, experts, hidden, true);
        moeKernels.moeRouter(logits, ids, weights, tokens, experts, k, moe.normalizeTopK(), stream);

        // the router's choices to the host, then rows grouped by expert (ascending), tokens ascending inside a group
        MemorySegment chosen = pinned("moe.ids", (long) maxTokens * k * 4).segment().asSlice(0, slots * 4L);
        ids.copyToHost(chosen);
        int[] count = new int[experts];
        for (int i = 0; i < slots; i++) {
            count[chosen.getAtIndex(JAVA_INT, i)]++;
        }
        int[] startOf = new int[experts];
        int row = 0;
        int touched = 0;
        int groups = 0;
        for (int e = 0; e < experts; e++) {
            startOf[e] = row;
            row += count[e];
            touched += count[e] > 0 ? 1 : 0;
            groups += count[e] > 0 && count[e] < expertGemmRows ? 1 : 0;
        }
        expertsTouched += touched;
        // meta ints: groupExpert [G], groupStart [G], groupCount [G] (the experts with few rows, run by the grouped
        // kernels), rowToken [slots], slotRow [slots]
        MemorySegment meta = pinned("moe.meta", (3L * experts + 2L * maxTokens * k) * 4).segment();
        int g = 0;
        for (int e = 0; e < experts; e++) {
            if (count[e] > 0 && count[e] < expertGemmRows) {
                meta.setAtIndex(JAVA_INT, g, e);
                meta.setAtIndex(JAVA_INT, groups + g, startOf[e]);
                meta.setAtIndex(JAVA_INT, 2L * groups + g, count[e]);
                g++;
            }
        }
        long rowTokenAt = 3L * groups;
        long slotRowAt = rowTokenAt + slots;
        int[] fill = new int[experts];
        for (int i = 0; i < slots; i++) {
            int e = chosen.getAtIndex(JAVA_INT, i);
            int r = startOf[e] + fill[e]++;
            meta.setAtIndex(JAVA_INT, rowTokenAt + r, i / k);
            meta.setAtIndex(JAVA_INT, slotRowAt + i, r);
        }
        DeviceBuffer metaDevice = device("moe.meta", (3L * experts + 2L * maxTokens * k) * 4);
        metaDevice.copyFromHost(meta.asSlice(0, (slotRowAt + slots) * 4));
        DeviceSlice rowToken = metaDevice.slice(rowTokenAt * 4, slots * 4L);
        DeviceSlice slotRow = metaDevice.slice(slotRowAt * 4, slots * 4L);
        DeviceBuffer activated = device("moe.act", (long) maxTokens * k * inter * 2);
        DeviceBuffer y = device("moe.y", (long) maxTokens * k * hidden * 2);
        if (groups > 0) {
            DeviceSlice groupExpert = metaDevice.slice(0, groups * 4L);
            DeviceSlice groupStart = metaDevice.slice(groups * 4L, groups * 4L);
            DeviceSlice groupCount = metaDevice.slice(2L * groups * 4, groups * 4L);
            DeviceBuffer table = expertTables.computeIfAbsent(moe, this::expertPointers);
            DeviceSlice gatePtrs = table.slice(0, experts * 8L);
            DeviceSlice upPtrs = table.slice(experts * 8L, experts * 8L);
            DeviceSlice downPtrs = table.slice(2L * experts * 8, experts * 8L);
            kernels.expertGateUp(act(x), rowToken, gatePtrs, upPtrs, groupExpert, groupStart, groupCount, groups,
                    activated, hidden, inter, stream);
            kernels.expertDown(activated, downPtrs, groupExpert, groupStart, groupCount, groups, y, inter, hidden,
                    stream);
        }
        // experts with many rows (prefill): gather their rows, then cuBLAS GEMMs into the same act/y rows
        for (int e = 0; e < experts; e++) {
            int n = count[e];
            if (n < expertGemmRows || n == 0) {
                continue;
            }
            MlpWeights m = moe.experts().get(e);
            DeviceSlice xs = device("moe.gathered", (long) maxTokens * hidden * 2).slice(0, (long) n * hidden * 2);
            DeviceSlice gs = device("moe.gate", (long) maxTokens * inter * 2).slice(0, (long) n * inter * 2);
            DeviceSlice us = device("moe.up", (long) maxTokens * inter * 2).slice(0, (long) n * inter * 2);
            DeviceSlice as = activated.slice((long) startOf[e] * inter * 2, (long) n * inter * 2);
            DeviceSlice ys = y.slice((long) startOf[e] * hidden * 2, (long) n * hidden * 2);
            moeKernels.embeddingGather(act(x), rowToken.slice(startOf[e] * 4L, n * 4L), xs, n, hidden, tokens,
                    stream);
            cublas.linear(xs, ((CudaWeight) m.gate()).memory(), gs, n, inter, hidden, false);
            cublas.linear(xs, ((CudaWeight) m.up()).memory(), us, n, inter, hidden, false);
            kernels.siluMul(gs, us, as, (long) n * inter, stream);
            cublas.linear(as, ((CudaWeight) m.down()).memory(), ys, n, hidden, inter, false);
        }

        DeviceMemory shared = null;
        DeviceMemory sharedGate = null;
        if (moe.sharedExpert() != null) {
            shared = device("moe.shared", (long) maxTokens * hidden * 2);
            dense(act(x), moe.sharedExpert(), shared);
            if (moe.sharedExpertGate() != null) {
                sharedGate = device("moe.sharedGate", maxTokens * 4L);
                cublas.linear(act(x), ((CudaWeight) moe.sharedExpertGate()).memory(), sharedGate, tokens, 1, hidden,
                        true);
            }
        }
        kernels.expertCombine(y, slotRow, weights, shared, sharedGate, act(out), tokens, k, hidden, stream);
    }

    /** Device addresses of every expert's gate, up and down matrices: three {@code [experts]} u64 arrays. */
    private DeviceBuffer expertPointers(MoeWeights moe) {
        int experts = moe.experts().size();
        DeviceBuffer table = arena.allocate(3L * experts * 8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(3L * experts * 8);
            for (int e = 0; e < experts; e++) {
                MlpWeights m = moe.experts().get(e);
                host.setAtIndex(JAVA_LONG, e, ((CudaWeight) m.gate()).memory().address());
                host.setAtIndex(JAVA_LONG, experts + e, ((CudaWeight) m.up()).memory().address());
                host.setAtIndex(JAVA_LONG, 2L * experts + e, ((CudaWeight) m.down()).memory().address());
            }
            table.copyFromHost(host);
        }
        return table;
    }

    @Override
    public void add(Tensor acc, Tensor x) {
        kernels.add(act(acc), act(x), (long) tokens * acc.columns(), stream);
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
        DeviceBuffer out = device("logits.out", (long) maxLogitRows * vocab * 4);
        float[][] logits = new float[outputs][];
        int[] tokenIds = new int[outputs];
        Arrays.fill(tokenIds, -1);
        if (greedyRows > 0) {
            int limit = Math.min(vocab, batch.greedyVocabulary());
            cublas.linear(selected, head.memory(), out, greedyRows, limit, h, true);
            DeviceBuffer ids = device("logits.ids", maxLogitRows * 4L);
            moeKernels.argmax(out, ids, greedyRows, limit, stream);
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
                b.close();
            }
            b = arena.allocate(Math.max(bytes, 256));
            scratch.put(name, b);
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
            pinned.values().forEach(PinnedHostBuffer::close);
            kernels.close();
            moeKernels.close();
            cublas.close();
            arena.close();
            stream.close();
        }
    }
}
