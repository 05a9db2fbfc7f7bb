package io.moeplatform.inference.cuda;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the CUDA backend finds its native pieces, read once from system properties (or environment variables).
 *
 * @param disabled
 *            the kill switch: {@code -Dmoe.cuda.disabled=true} or {@code MOE_CUDA_DISABLED=true}
 * @param driverLibrary
 *            the driver library, a soname or a path ({@code moe.cuda.driver.library}, default {@code libcuda.so.1})
 * @param cublasLibraries
 *            cuBLAS candidates tried in order: {@code moe.cuda.cublas.library} / {@code MOE_CUBLAS_LIBRARY} if set,
 *            then the soname {@code libcublas.so.13}, then the usual CUDA 13 install paths
 * @param kernelResource
 *            the class-path resource (relative to this package) holding the kernel fatbin; its status file is the
 *            same name with {@code .status} in place of {@code .fatbin}
 */
public record CudaSettings(boolean disabled, String driverLibrary, List<String> cublasLibraries,
        String kernelResource) {

    public static final String DISABLED_PROPERTY = "moe.cuda.disabled";
    public static final String DRIVER_PROPERTY = "moe.cuda.driver.library";
    public static final String CUBLAS_PROPERTY = "moe.cuda.cublas.library";
    static final String DEFAULT_KERNEL_RESOURCE = "moe-kernels.fatbin";
    private static final List<String> CUBLAS_DEFAULTS = List.of("libcublas.so.13",
            "/usr/local/cuda/lib64/libcublas.so.13", "/usr/local/cuda-13.0/targets/x86_64-linux/lib/libcublas.so.13");

    public CudaSettings {
        cublasLibraries = List.copyOf(cublasLibraries);
    }

    /** Settings from system properties, falling back to environment variables, then to defaults. */
    public static CudaSettings fromEnvironment() {
        return from(System.getProperties()::getProperty, System.getenv());
    }

    static CudaSettings from(java.util.function.Function<String, String> properties, Map<String, String> env) {
        String disabled = firstSet(properties.apply(DISABLED_PROPERTY), env.get("MOE_CUDA_DISABLED"), "false");
        String driver = firstSet(properties.apply(DRIVER_PROPERTY), env.get("MOE_CUDA_DRIVER_LIBRARY"),
                "libcuda.so.1");
        String cublas = firstSet(properties.apply(CUBLAS_PROPERTY), env.get("MOE_CUBLAS_LIBRARY"), "");
        List<String> candidates = cublas.isBlank()
                ? CUBLAS_DEFAULTS
                : java.util.stream.Stream.concat(java.util.stream.Stream.of(cublas), CUBLAS_DEFAULTS.stream())
                        .toList();
        return new CudaSettings(disabled.trim().toLowerCase(Locale.ROOT).equals("true"), driver, candidates,
                DEFAULT_KERNEL_RESOURCE);
    }

    private static String firstSet(String property, String env, String fallback) {
        if (property != null && !property.isBlank()) {
            return property;
        }
        return env != null && !env.isBlank() ? env : fallback;
    }
}
