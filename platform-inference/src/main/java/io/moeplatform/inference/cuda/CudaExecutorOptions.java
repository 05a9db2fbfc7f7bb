package io.moeplatform.inference.cuda;

import io.moeplatform.inference.engine.EngineOptions;

/**
 * How to run a model on a GPU.
 *
 * @param device
 *            CUDA device ordinal
 * @param kvBlockSize
 *            tokens per KV block
 * @param kvCacheBytes
 *            device memory for the KV pool; 0 sizes it from the free memory and {@code gpuMemoryFraction}. Ignored
 *            when {@code kvBlockCount > 0}.
 * @param kvBlockCount
 *            blocks in the KV pool, or 0 to derive it from {@code kvCacheBytes}
 * @param maxBatchTokens
 *            most tokens one step may hold (prefill chunks plus decode tokens); sizes the scratch memory
 * @param maxSequences
 *            most slices one step may ask logits for
 * @param dummyWeights
 *            deterministic random weights (the same as the CPU backend's) instead of the checkpoint's files
 * @param gpuMemoryFraction
 *            share of the device's total memory this process may hold (weights, scratch, KV pool) when the KV pool
 *            is sized automatically; the rest stays free for other processes and for the CUDA libraries
 */
public record CudaExecutorOptions(int device, int kvBlockSize, long kvCacheBytes, int kvBlockCount,
        int maxBatchTokens, int maxSequences, boolean dummyWeights, double gpuMemoryFraction) {

    /** Share of the device memory taken by default: leaves ~8 GB of an H100 to the CUDA libraries and others. */
    public static final double DEFAULT_GPU_MEMORY_FRACTION = EngineOptions.DEFAULT_GPU_MEMORY_FRACTION;

    public CudaExecutorOptions {
        if (device < 0 || kvBlockSize <= 0 || kvCacheBytes < 0 || kvBlockCount < 0 || maxBatchTokens <= 0
                || maxSequences <= 0) {
            throw new IllegalArgumentException("device >= 0, kvBlockSize > 0, kvCacheBytes >= 0, kvBlockCount >= 0, "
                    + "maxBatchTokens > 0 and maxSequences > 0 are required");
        }
        if (maxBatchTokens > 65535) {
            // the attention kernel's grid has one row per token and grid rows stop at 65535
            throw new IllegalArgumentException("maxBatchTokens is at most 65535 on CUDA, got " + maxBatchTokens);
        }
        if (!(gpuMemoryFraction > 0 && gpuMemoryFraction <= 1)) {
            throw new IllegalArgumentException("gpuMemoryFraction must be in (0, 1], got " + gpuMemoryFraction);
        }
    }

    /** Options with the default GPU memory fraction. */
    public CudaExecutorOptions(int device, int kvBlockSize, long kvCacheBytes, int kvBlockCount, int maxBatchTokens,
            int maxSequences, boolean dummyWeights) {
        this(device, kvBlockSize, kvCacheBytes, kvBlockCount, maxBatchTokens, maxSequences, dummyWeights,
                DEFAULT_GPU_MEMORY_FRACTION);
    }

    /** Device 0, blocks of 16 tokens, a default-sized pool, 4096 tokens and 256 sequences per step. */
    public static CudaExecutorOptions defaults() {
        return new CudaExecutorOptions(0, 16, 0, 0, 4096, 256, false);
    }

    /** The CUDA-relevant part of the engine's options. */
    public static CudaExecutorOptions from(EngineOptions engine) {
        return new CudaExecutorOptions(0, engine.kvBlockSize(), engine.kvCacheBytes(), 0, engine.maxBatchTokens(),
                Math.max(1, engine.maxRunningSequences()), engine.dummyWeights(), engine.gpuMemoryFraction());
    }
}
