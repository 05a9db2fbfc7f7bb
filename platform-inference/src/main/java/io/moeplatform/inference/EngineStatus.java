package io.moeplatform.inference;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Live engine state.
 *
 * @param ready
 *            whether a model is loaded and steps are running
 * @param backend
 *            {@code cpu} or {@code cuda}
 * @param backendNote
 *            why the preferred backend was not used (e.g. CUDA unavailable and
 *            its cause), or empty
 * @param runningSequences
 *            sequences in the running batch
 * @param waitingRequests
 *            requests queued for admission
 * @param kvBlocksUsed
 *            KV blocks held by sequences or the prefix cache
 * @param kvBlocksTotal
 *            KV blocks in the pool
 * @param prefixCacheHitRate
 *            fraction of prompt tokens served from the prefix cache since start
 * @param tokensPerSecond
 *            generated tokens per second over the last few seconds
 * @param gpuMemory
 *            the GPU's memory when the engine runs on CUDA, otherwise null
 */
public record EngineStatus(boolean ready, String backend, String backendNote, List<ModelInfo> models,
        int runningSequences, int waitingRequests, int kvBlocksUsed, int kvBlocksTotal, double prefixCacheHitRate,
        double tokensPerSecond, @Nullable GpuMemory gpuMemory) {

    /** A status without GPU memory (CPU backend). */
    public EngineStatus(boolean ready, String backend, String backendNote, List<ModelInfo> models,
            int runningSequences, int waitingRequests, int kvBlocksUsed, int kvBlocksTotal, double prefixCacheHitRate,
            double tokensPerSecond) {
        this(ready, backend, backendNote, models, runningSequences, waitingRequests, kvBlocksUsed, kvBlocksTotal,
                prefixCacheHitRate, tokensPerSecond, null);
    }
}
