package io.moeplatform.inference.autoconfigure;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GpuMemory;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.cuda.CudaAvailability;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code inference} health: UP while the engine has a model loaded and runs steps, DOWN otherwise. Details say which
 * backend runs, why the preferred one is not used, whether CUDA is available here (and why not), the GPU's memory
 * when the engine runs on it, and which models are served.
 */
public final class InferenceHealthIndicator implements HealthIndicator {

    private final InferenceService inference;
    private final Supplier<@Nullable Throwable> cudaUnavailabilityCause;

    public InferenceHealthIndicator(InferenceService inference) {
        this(inference, CudaAvailability::unavailabilityCause);
    }

    /** With the CUDA verdict from {@code cudaUnavailabilityCause} (null: available), for tests. */
    InferenceHealthIndicator(InferenceService inference, Supplier<@Nullable Throwable> cudaUnavailabilityCause) {
        this.inference = inference;
        this.cudaUnavailabilityCause = cudaUnavailabilityCause;
    }

    @Override
    public Health health() {
        EngineStatus status = inference.status();
        Health.Builder health = status.ready() ? Health.up() : Health.down();
        Throwable cudaCause = cudaUnavailabilityCause.get();
        health.withDetail("backend", status.backend()).withDetail("note", status.backendNote())
                .withDetail("cudaAvailable", cudaCause == null);
        if (cudaCause != null) {
            health.withDetail("cudaUnavailableCause", String.valueOf(cudaCause.getMessage()));
        }
        if (status.gpuMemory() != null) {
            health.withDetail("gpuMemory", gpuMemory(status.gpuMemory()));
        }
        return health.withDetail("model", String.join(",", status.models().stream().map(ModelInfo::id).toList()))
                .withDetail("runningSequences", status.runningSequences())
                .withDetail("waitingRequests", status.waitingRequests()).build();
    }

    private static Map<String, Object> gpuMemory(GpuMemory memory) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("device", memory.device());
        details.put("totalBytes", memory.totalBytes());
        details.put("freeBytes", memory.freeBytes());
        details.put("usedBytes", memory.usedBytes());
        details.put("weightBytes", memory.weightBytes());
        details.put("kvCacheBytes", memory.kvCacheBytes());
        return details;
    }
}
