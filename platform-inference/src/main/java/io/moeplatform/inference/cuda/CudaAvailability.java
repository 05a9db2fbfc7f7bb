package io.moeplatform.inference.cuda;

import org.jspecify.annotations.Nullable;

/**
 * Whether the CUDA backend can run in this process, in the style of Netty's {@code Epoll}: checked once, on first
 * use, in this order: the kill switch ({@code -Dmoe.cuda.disabled=true} or {@code MOE_CUDA_DISABLED=true}), the
 * kernels compiled into the jar, the driver library, a CUDA device, cuBLAS.
 */
public final class CudaAvailability {

    private static final @Nullable CudaUnavailableException CAUSE = probe(CudaSettings.fromEnvironment());

    private CudaAvailability() {}

    /** {@code true} when the driver, a device, the compiled kernels and cuBLAS are all present. */
    public static boolean isAvailable() {
        return CAUSE == null;
    }

    /** Why the backend cannot run, or {@code null} when it can. */
    public static @Nullable Throwable unavailabilityCause() {
        return CAUSE;
    }

    /**
     * @throws CudaUnavailableException
     *             with the reason, if the backend cannot run here
     */
    public static void ensureAvailability() {
        if (CAUSE != null) {
            throw new CudaUnavailableException("the CUDA backend is not available: " + CAUSE.getMessage(), CAUSE);
        }
    }

    /** Runs every check with the given settings; {@code null} means available. */
    static @Nullable CudaUnavailableException probe(CudaSettings settings) {
        if (settings.disabled()) {
            return new CudaUnavailableException("CUDA is disabled by " + CudaSettings.DISABLED_PROPERTY
                    + "=true (or MOE_CUDA_DISABLED=true); remove it to use the GPU");
        }
        KernelImage kernels = KernelImage.read(settings.kernelResource());
        if (!kernels.compiled()) {
            return new CudaUnavailableException("kernels were not compiled: " + kernels.buildStatus()
                    + "; rebuild platform-inference on a machine with nvcc (CUDA 13)");
        }
        CudaDriver driver;
        try {
            driver = CudaDriver.load(settings.driverLibrary());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new CudaUnavailableException(settings.driverLibrary()
                    + " not found: no NVIDIA driver on this machine (or set -D" + CudaSettings.DRIVER_PROPERTY
                    + " to its path)", e);
        }
        int rc = driver.init();
        if (rc == 100) { // CUDA_ERROR_NO_DEVICE
            return new CudaUnavailableException("no CUDA device (cuInit: CUDA_ERROR_NO_DEVICE)");
        }
        if (rc != 0) {
            return new CudaUnavailableException("cuInit failed: " + driver.errorName(rc) + " (" + rc + ")");
        }
        if (driver.deviceCount() == 0) {
            return new CudaUnavailableException("no CUDA device");
        }
        try {
            CublasLibrary.load(settings.cublasLibraries());
        } catch (IllegalArgumentException | IllegalStateException e) {
            return new CudaUnavailableException("cuBLAS not found (tried " + e.getMessage() + "); set -D"
                    + CudaSettings.CUBLAS_PROPERTY + "=/path/to/libcublas.so.13", e);
        }
        return null;
    }
}
