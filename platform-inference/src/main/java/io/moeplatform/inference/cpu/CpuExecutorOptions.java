package io.moeplatform.inference.cpu;

import io.moeplatform.inference.engine.EngineOptions;

/**
 * How to run a model on the CPU.
 *
 * @param threads
 *            worker threads (0: all available processors)
 * @param kvBlockSize
 *            tokens per KV block
 * @param kvCacheBytes
 *            memory for the KV pool; 0 lets the executor choose (enough for a
 *            few full-length sequences, at most 1 GiB). Ignored when
 *            {@code kvBlockCount > 0}.
 * @param kvBlockCount
 *            blocks in the KV pool, or 0 to derive it from {@code kvCacheBytes}
 * @param dummyWeights
 *            deterministic random weights instead of the checkpoint's files
 *            (only config.json is read)
 */
public record CpuExecutorOptions(int threads, int kvBlockSize, long kvCacheBytes, int kvBlockCount,
        boolean dummyWeights) {

    public CpuExecutorOptions {
        if (threads < 0 || kvBlockSize <= 0 || kvCacheBytes < 0 || kvBlockCount < 0) {
            throw new IllegalArgumentException("threads >= 0, kvBlockSize > 0, kvCacheBytes >= 0 and "
                    + "kvBlockCount >= 0 are required");
        }
    }

    /** All processors, blocks of 16 tokens, a default-sized pool, the checkpoint's weights. */
    public static CpuExecutorOptions defaults() {
        return new CpuExecutorOptions(0, 16, 0, 0, false);
    }

    /** The CPU-relevant part of the engine's options. */
    public static CpuExecutorOptions from(EngineOptions engine) {
        return new CpuExecutorOptions(engine.threads(), engine.kvBlockSize(), engine.kvCacheBytes(), 0,
                engine.dummyWeights());
    }
}
