package io.moeplatform.inference.engine;

import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.cuda.CudaAvailability;
import io.moeplatform.inference.cuda.CudaExecutorOptions;
import io.moeplatform.inference.cuda.CudaModelExecutor;
import io.moeplatform.inference.model.DecoderModelExecutor;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the model on the backend that {@code platform.inference.device} asks for:
 * <ul>
 * <li>{@code cpu}: the CPU backend.
 * <li>{@code cuda}: the CUDA backend, or a startup failure that names why CUDA is not available here.
 * <li>{@code auto}: the CUDA backend when it is available and the model opens on it; otherwise the CPU backend, with
 * the reason in {@link Selected#note()} (shown by the engine status and the health endpoint).
 * </ul>
 */
public final class ExecutorSelection {

    private static final Logger log = LoggerFactory.getLogger(ExecutorSelection.class);

    private ExecutorSelection() {}

    /** What the CUDA backend offers here; {@link #standard()} in production, fakes in tests. */
    public interface CudaSupport {

        /** Why CUDA cannot run in this process, or null when it can. */
        @Nullable
        Throwable unavailabilityCause();

        DecoderModelExecutor open(Path modelDir, CudaExecutorOptions options);

        /** {@link CudaAvailability}'s verdict and {@link CudaModelExecutor#open}. */
        static CudaSupport standard() {
            return new CudaSupport() {
                @Override
                public @Nullable Throwable unavailabilityCause() {
                    return CudaAvailability.unavailabilityCause();
                }

                @Override
                public DecoderModelExecutor open(Path modelDir, CudaExecutorOptions options) {
                    return CudaModelExecutor.open(modelDir, options);
                }
            };
        }
    }

    /**
     * The opened model.
     *
     * @param note
     *            why the engine does not run where {@code auto} would prefer (CUDA), or empty
     */
    public record Selected(DecoderModelExecutor executor, String note) {}

    /** Opens {@code options.modelPath()} on the backend {@code options.device()} selects. */
    public static Selected open(EngineOptions options, CudaSupport cuda) {
        return switch (options.device()) {
            case CPU -> new Selected(openCpu(options), "");
            case CUDA -> new Selected(openCuda(options, cuda), "");
            case AUTO -> openAuto(options, cuda);
        };
    }

    private static DecoderModelExecutor openCpu(EngineOptions options) {
        return CpuModelExecutor.open(options.modelPath(), CpuExecutorOptions.from(options));
    }

    private static DecoderModelExecutor openCuda(EngineOptions options, CudaSupport cuda) {
        Throwable cause = cuda.unavailabilityCause();
        if (cause != null) {
            throw new IllegalStateException("platform.inference.device=cuda was requested, but the CUDA backend is "
                    + "not available: " + cause.getMessage() + "; fix that, or set platform.inference.device to auto "
                    + "or cpu", cause);
        }
        return cuda.open(options.modelPath(), CudaExecutorOptions.from(options));
    }

    private static Selected openAuto(EngineOptions options, CudaSupport cuda) {
        Throwable cause = cuda.unavailabilityCause();
        if (cause != null) {
            return new Selected(openCpu(options), "CUDA is not available (" + cause.getMessage()
                    + "); running on the CPU backend");
        }
        try {
            return new Selected(cuda.open(options.modelPath(), CudaExecutorOptions.from(options)), "");
        } catch (RuntimeException e) {
            log.warn("The model did not open on CUDA; falling back to the CPU backend", e);
            try {
                return new Selected(openCpu(options), "CUDA is available but the model did not open on it ("
                        + e.getMessage() + "); running on the CPU backend");
            } catch (RuntimeException cpuFailure) {
                cpuFailure.addSuppressed(e);
                throw cpuFailure;
            }
        }
    }
}
