package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.ExecutorSelection;
import io.moeplatform.inference.model.DecoderModelExecutor;
import io.moeplatform.inference.model.DemoModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real availability probe's verdicts (kill switch, a missing driver library) driving the engine's device
 * selection: {@code auto} runs on the CPU with the probe's reason, {@code cuda} fails naming it. Runs on any machine.
 */
class DeviceSelectionWithoutCudaTests {

    @TempDir
    Path dataDir;

    private static ExecutorSelection.CudaSupport probed(CudaSettings settings) {
        @Nullable
        Throwable cause = CudaAvailability.probe(settings);
        return new ExecutorSelection.CudaSupport() {
            @Override
            public @Nullable Throwable unavailabilityCause() {
                return cause;
            }

            @Override
            public DecoderModelExecutor open(Path modelDir, CudaExecutorOptions options) {
                return CudaModelExecutor.open(modelDir, options);
            }
        };
    }

    private EngineOptions options(Device device) {
        return new EngineOptions(DemoModel.ensure(dataDir), "demo", device, 1, 16, 0, 256, 8, 8,
                Duration.ofSeconds(1), true, false);
    }

    @Test
    void theKillSwitchSendsAutoToTheCpuAndFailsCuda() {
        var disabled = probed(new CudaSettings(true, "libcuda.so.1", List.of("libcublas.so.13"),
                CudaSettings.DEFAULT_KERNEL_RESOURCE));
        ExecutorSelection.Selected selected = ExecutorSelection.open(options(Device.AUTO), disabled);
        try (DecoderModelExecutor executor = selected.executor()) {
            assertThat(executor.backend()).isEqualTo("cpu");
            assertThat(selected.note()).contains("moe.cuda.disabled=true").endsWith("running on the CPU backend");
        }
        assertThatThrownBy(() -> ExecutorSelection.open(options(Device.CUDA), disabled))
                .hasMessageContaining("platform.inference.device=cuda was requested")
                .hasMessageContaining("moe.cuda.disabled=true");
    }

    @Test
    void aMissingDriverLibrarySendsAutoToTheCpuWithTheLibrarysName() {
        assumeTrue(KernelImage.read(CudaSettings.DEFAULT_KERNEL_RESOURCE).compiled(),
                "the build had no nvcc, so the kernel check fails first");
        var noDriver = probed(new CudaSettings(false, "libcuda-absent-here.so.1", List.of(),
                CudaSettings.DEFAULT_KERNEL_RESOURCE));
        ExecutorSelection.Selected selected = ExecutorSelection.open(options(Device.AUTO), noDriver);
        try (DecoderModelExecutor executor = selected.executor()) {
            assertThat(executor.backend()).isEqualTo("cpu");
            assertThat(selected.note()).contains("libcuda-absent-here.so.1 not found");
        }
    }
}
