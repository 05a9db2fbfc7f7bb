package io.moeplatform.admin.overview;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GpuMemory;
import io.moeplatform.inference.ModelInfo;
import java.util.List;

/**
 * What the overview shows at one moment: the engine's status plus rates over the last sampling interval.
 *
 * @param kvCacheUse fraction of KV blocks in use
 * @param meanBatchSize sequences per engine step over the interval (0 when no step ran)
 * @param requestsPerSecond {@code /v1} requests finished per second over the interval
 * @param errorRate fraction of those that answered with HTTP status 400 or above
 * @param cudaUnavailable the engine says why it is not on CUDA (its {@code backendNote})
 * @param onGpu the engine runs on a GPU; the {@code gpu*} fields describe its memory (GB, 10^9 bytes)
 */
public record EngineSnapshot(boolean ready, String backend, String backendNote, boolean cudaUnavailable,
        List<String> models, int runningSequences, int waitingRequests, int kvBlocksUsed, int kvBlocksTotal,
        double kvCacheUse, double prefixCacheHitRate, double tokensPerSecond, double meanBatchSize,
        double requestsPerSecond, double errorRate, boolean onGpu, String gpuDevice, double gpuUsedGb,
        double gpuTotalGb, double gpuWeightsGb, double gpuKvCacheGb) {

    static EngineSnapshot of(EngineStatus status, RequestRates.Sample rates) {
        var kvUse = status.kvBlocksTotal() == 0 ? 0 : (double) status.kvBlocksUsed() / status.kvBlocksTotal();
        GpuMemory gpu = status.gpuMemory();
        return new EngineSnapshot(status.ready(), status.backend(), status.backendNote(),
                !status.backendNote().isBlank(), status.models().stream().map(ModelInfo::id).toList(),
                status.runningSequences(), status.waitingRequests(), status.kvBlocksUsed(), status.kvBlocksTotal(),
                kvUse, status.prefixCacheHitRate(), status.tokensPerSecond(), rates.meanBatchSize(),
                rates.requestsPerSecond(), rates.errorRate(), gpu != null, gpu == null ? "" : gpu.device(),
                gpu == null ? 0 : gigabytes(gpu.usedBytes()), gpu == null ? 0 : gigabytes(gpu.totalBytes()),
                gpu == null ? 0 : gigabytes(gpu.weightBytes()), gpu == null ? 0 : gigabytes(gpu.kvCacheBytes()));
    }

    private static double gigabytes(long bytes) {
        return bytes / 1e9;
    }
}
