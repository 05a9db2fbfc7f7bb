package io.moeplatform.inference.cuda;

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
    private final CudaFunction stepAttention;
    private final CudaFunction expertGateUp;
    private final CudaFunction expertDown;
    private final CudaFunction expertCombine;

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
        stepAttention = module.function("step_attention");
        expertGateUp = module.function("expert_gate_up");
        expertDown = module.function("expert_down");
        expertCombine = module.function("expert_combine");
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

    void expertGateUp(DeviceMemory x, DeviceMemory rowToken, DeviceMemory gatePtrs, DeviceMemory upPtrs,
            DeviceMemory groupExpert, DeviceMemory groupStart, DeviceMemory groupCount, int groups,
            DeviceMemory act, int hidden, int inter, CudaStream s) {
        expertGateUp.launch(Dim3.of((inter + FEATURES_PER_BLOCK - 1) / FEATURES_PER_BLOCK, groups), Dim3.of(256), 0,
                s, new KernelArgs().ptr(x).ptr(rowToken).ptr(gatePtrs).ptr(upPtrs).ptr(groupExpert).ptr(groupStart)
                        .ptr(groupCount).ptr(act).i32(hidden).i32(inter));
    }

    void expertDown(DeviceMemory act, DeviceMemory downPtrs, DeviceMemory groupExpert, DeviceMemory groupStart,
            DeviceMemory groupCount, int groups, DeviceMemory y, int inter, int hidden, CudaStream s) {
        expertDown.launch(Dim3.of((hidden + FEATURES_PER_BLOCK - 1) / FEATURES_PER_BLOCK, groups), Dim3.of(256), 0, s,
                new KernelArgs().ptr(act).ptr(downPtrs).ptr(groupExpert).ptr(groupStart).ptr(groupCount).ptr(y)
                        .i32(inter).i32(hidden));
    }

    void expertCombine(DeviceMemory y, DeviceMemory slotRow, DeviceMemory weights, @Nullable DeviceMemory shared,
            @Nullable DeviceMemory gateLogit, DeviceMemory out, int tokens, int topK, int hidden, CudaStream s) {
        expertCombine.launch(Dim3.of(tokens), Dim3.of(256), 0, s, new KernelArgs().ptr(y).ptr(slotRow).ptr(weights)
                .ptr(shared).ptr(gateLogit).ptr(out).i32(topK).i32(hidden));
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min(MAX_GRID, (n + THREADS - 1) / THREADS));
    }

    @Override
    public void close() {
        module.close();
    }
}
