package io.moeplatform.inference.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GpuMemory;
import io.moeplatform.inference.ModelInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;

class InferenceHealthIndicatorTests {

    private static final ModelInfo MODEL = new ModelInfo("qwen3", "qwen3_moe", 4096, "cuda", List.of());

    @Test
    void onTheGpuTheDetailsShowTheBackendCudaAndTheDevicesMemory() {
        GpuMemory memory = new GpuMemory("NVIDIA H100 80GB HBM3", 80_000_000_000L, 10_000_000_000L,
                61_000_000_000L, 7_000_000_000L);
        EngineStatus status = new EngineStatus(true, "cuda", "", List.of(MODEL), 3, 0, 40, 1000, 0.0, 100.0, memory);
        Health health = new InferenceHealthIndicator(new FixedStatusService(status), () -> null).health();

        assertThat(health.getDetails()).containsEntry("backend", "cuda").containsEntry("cudaAvailable", true)
                .doesNotContainKey("cudaUnavailableCause");
        assertThat(health.getDetails().get("gpuMemory")).isEqualTo(Map.of("device", "NVIDIA H100 80GB HBM3",
                "totalBytes", 80_000_000_000L, "freeBytes", 10_000_000_000L, "usedBytes", 70_000_000_000L,
                "weightBytes", 61_000_000_000L, "kvCacheBytes", 7_000_000_000L));
    }

    @Test
    void withoutCudaTheDetailsSayWhyAndShowNoGpuMemory() {
        Health health = new InferenceHealthIndicator(FixedStatusService.ready(true),
                () -> new IllegalStateException("libcuda.so.1 not found")).health();

        assertThat(health.getDetails()).containsEntry("backend", "cpu").containsEntry("cudaAvailable", false)
                .containsEntry("cudaUnavailableCause", "libcuda.so.1 not found").doesNotContainKey("gpuMemory");
    }
}
