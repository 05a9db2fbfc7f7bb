package io.moeplatform.inference.engine;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything needed to start an engine for one model directory.
 *
 * @param modelPath Hugging Face model directory
 * @param servedModelName the name clients use; defaults to the directory's name
 * @param device where to run
 * @param threads CPU threads for the CPU backend (0: all available processors)
 * @param kvBlockSize tokens per KV block
 * @param kvCacheBytes memory for the KV pool (0: the backend chooses)
 * @param maxBatchTokens token budget of one engine step (decodes plus prefill chunks)
 * @param maxRunningSequences most sequences in the running batch
 * @param maxQueuedRequests bounded queue; submit beyond it is rejected as overloaded
 * @param queueTimeout longest time a request may wait for admission before it fails as overloaded
 * @param prefixCaching share KV blocks of identical prompt prefixes (salted per tenant and adapter)
 * @param dummyWeights random weights generated in place of the checkpoint's tensors (benchmarks)
 * @param gpuMemoryFraction on CUDA, the share of the device's memory the engine may hold; the KV pool gets what the
 *        weights and the step's scratch leave of it (when {@code kvCacheBytes} is 0)
 */
public record EngineOptions(
        Path modelPath,
        String servedModelName,
        Device device,
        int threads,
        int kvBlockSize,
        long kvCacheBytes,
        int maxBatchTokens,
        int maxRunningSequences,
        int maxQueuedRequests,
        Duration queueTimeout,
        boolean prefixCaching,
        boolean dummyWeights,
        double gpuMemoryFraction) {

    /** Share of the GPU's memory the engine takes by default. */
    public static final double DEFAULT_GPU_MEMORY_FRACTION = 0.90;

    public EngineOptions {
        if (!(gpuMemoryFraction > 0 && gpuMemoryFraction <= 1)) {
            throw new IllegalArgumentException("gpu-memory-fraction must be in (0, 1], got " + gpuMemoryFraction);
        }
    }

    /** Options with the default GPU memory fraction. */
    public EngineOptions(Path modelPath, String servedModelName, Device device, int threads, int kvBlockSize,
            long kvCacheBytes, int maxBatchTokens, int maxRunningSequences, int maxQueuedRequests,
            Duration queueTimeout, boolean prefixCaching, boolean dummyWeights) {
        this(modelPath, servedModelName, device, threads, kvBlockSize, kvCacheBytes, maxBatchTokens,
                maxRunningSequences, maxQueuedRequests, queueTimeout, prefixCaching, dummyWeights,
                DEFAULT_GPU_MEMORY_FRACTION);
    }
}
