package io.moeplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.moeplatform.inference.cuda.CudaAvailability;
import io.moeplatform.inference.cuda.CudaExecutorOptions;
import io.moeplatform.inference.model.DecoderModelExecutor;
import io.moeplatform.inference.model.DemoModel;
import io.moeplatform.inference.model.ModelLoadException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code platform.inference.device} without a GPU: what each setting opens when CUDA is unavailable, when it is
 * available but the model fails on it, and what the CUDA executor is asked for. The real CUDA open is covered by the
 * GPU-tagged tests.
 */
class ExecutorSelectionTests {

    @TempDir
    Path dataDir;

    private EngineOptions options(Device device) {
        return new EngineOptions(DemoModel.ensure(dataDir), "demo", device, 1, 16, 0, 256, 8, 8,
                Duration.ofSeconds(1), true, false, 0.75);
    }

    /** A CUDA backend that is unavailable for {@code cause}, or available and failing to open with {@code open}. */
    private static final class FakeCuda implements ExecutorSelection.CudaSupport {
        private final @Nullable Throwable cause;
        private final RuntimeException openFailure;
        final List<CudaExecutorOptions> opened = new ArrayList<>();

        FakeCuda(@Nullable Throwable cause, RuntimeException openFailure) {
            this.cause = cause;
            this.openFailure = openFailure;
        }

        @Override
        public @Nullable Throwable unavailabilityCause() {
            return cause;
        }

        @Override
        public DecoderModelExecutor open(Path modelDir, CudaExecutorOptions options) {
            opened.add(options);
            throw openFailure;
        }
    }

    private static FakeCuda unavailable(String why) {
        return new FakeCuda(new IllegalStateException(why), new IllegalStateException("must not open"));
    }

    @Test
    void cpuNeverAsksCuda() {
        FakeCuda cuda = new FakeCuda(null, new IllegalStateException("must not open"));
        ExecutorSelection.Selected selected = ExecutorSelection.open(options(Device.CPU), cuda);
        try (DecoderModelExecutor executor = selected.executor()) {
            assertThat(executor.backend()).isEqualTo("cpu");
            assertThat(selected.note()).isEmpty();
            assertThat(cuda.opened).isEmpty();
        }
    }

    @Test
    void autoRunsOnTheCpuAndNamesTheCauseWhenCudaIsUnavailable() {
        FakeCuda cuda = unavailable("CUDA is disabled by moe.cuda.disabled=true");
        ExecutorSelection.Selected selected = ExecutorSelection.open(options(Device.AUTO), cuda);
        try (DecoderModelExecutor executor = selected.executor()) {
            assertThat(executor.backend()).isEqualTo("cpu");
            assertThat(selected.note()).isEqualTo("CUDA is not available (CUDA is disabled by moe.cuda.disabled=true)"
                    + "; running on the CPU backend");
            assertThat(cuda.opened).isEmpty();
        }
    }

    @Test
    void cudaFailsFastNamingTheCause() {
        FakeCuda cuda = unavailable("libcuda.so.1 not found: no NVIDIA driver on this machine");
        assertThatThrownBy(() -> ExecutorSelection.open(options(Device.CUDA), cuda))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("platform.inference.device=cuda was requested, but the CUDA backend is not "
                        + "available: libcuda.so.1 not found: no NVIDIA driver on this machine")
                .hasCauseInstanceOf(IllegalStateException.class);
        assertThat(cuda.opened).isEmpty();
    }

    @Test
    void autoFallsBackToTheCpuWhenTheModelDoesNotOpenOnCuda() {
        FakeCuda cuda = new FakeCuda(null, new IllegalStateException("out of memory (CUDA_ERROR_OUT_OF_MEMORY)"));
        ExecutorSelection.Selected selected = ExecutorSelection.open(options(Device.AUTO), cuda);
        try (DecoderModelExecutor executor = selected.executor()) {
            assertThat(executor.backend()).isEqualTo("cpu");
            assertThat(selected.note()).isEqualTo("CUDA is available but the model did not open on it (out of memory "
                    + "(CUDA_ERROR_OUT_OF_MEMORY)); running on the CPU backend");
        }
        assertThat(cuda.opened).singleElement().satisfies(o -> {
            assertThat(o.gpuMemoryFraction()).isEqualTo(0.75);
            assertThat(o.maxBatchTokens()).isEqualTo(256);
            assertThat(o.maxSequences()).isEqualTo(8);
            assertThat(o.kvBlockSize()).isEqualTo(16);
        });
    }

    @Test
    void cudaPassesTheOpenFailureOnInsteadOfFallingBack() {
        FakeCuda cuda = new FakeCuda(null, new IllegalStateException("not enough GPU memory for the KV cache"));
        assertThatThrownBy(() -> ExecutorSelection.open(options(Device.CUDA), cuda))
                .hasMessage("not enough GPU memory for the KV cache");
    }

    @Test
    void aBrokenModelDirectoryFailsOnBothBackendsWithTheCpusErrorAndTheCudaOneAttached() {
        FakeCuda cuda = new FakeCuda(null, new IllegalStateException("CUDA could not read it either"));
        EngineOptions broken = new EngineOptions(dataDir.resolve("missing"), "x", Device.AUTO, 1, 16, 0, 256, 8, 8,
                Duration.ofSeconds(1), true, false);
        assertThatThrownBy(() -> ExecutorSelection.open(broken, cuda)).isInstanceOf(ModelLoadException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement()
                        .satisfies(s -> assertThat(s).hasMessage("CUDA could not read it either")));
    }

    @Test
    void theRealAvailabilityCheckFallsBackWithItsCauseOnAMachineWithoutCuda() {
        assumeFalse(CudaAvailability.isAvailable(), "this machine has a working CUDA backend");
        ExecutorSelection.Selected selected = ExecutorSelection.open(options(Device.AUTO),
                ExecutorSelection.CudaSupport.standard());
        try (DecoderModelExecutor executor = selected.executor()) {
            assertThat(executor.backend()).isEqualTo("cpu");
            assertThat(selected.note()).contains(CudaAvailability.unavailabilityCause().getMessage());
        }
    }
}
