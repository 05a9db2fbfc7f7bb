package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The availability logic; runs on any machine, GPU or not. */
class CudaAvailabilityTests {

    private static final String REAL_KERNELS = CudaSettings.DEFAULT_KERNEL_RESOURCE;

    @Test
    void killSwitchDisablesTheBackendBeforeAnythingIsLoaded() {
        var settings = new CudaSettings(true, "libcuda.so.1", List.of("libcublas.so.13"), REAL_KERNELS);
        assertThat(CudaAvailability.probe(settings)).hasMessageContaining("moe.cuda.disabled=true");
    }

    @Test
    void kernelsMissingFromTheJarAreReportedWithTheBuildsReason() {
        var settings = new CudaSettings(false, "libcuda.so.1", List.of("libcublas.so.13"), "without-nvcc.fatbin");
        assertThat(CudaAvailability.probe(settings))
                .hasMessageStartingWith("kernels were not compiled: nvcc was not found at build time");
    }

    @Test
    void kernelsWithoutAnyBuildNoteSayWhatIsMissing() {
        var settings = new CudaSettings(false, "libcuda.so.1", List.of(), "absent.fatbin");
        assertThat(CudaAvailability.probe(settings))
                .hasMessageContaining("kernels were not compiled: the jar has neither absent.fatbin");
    }

    @Test
    void aDriverLibraryThatCannotBeLoadedIsNamedInTheCause() {
        assumeTrue(KernelImage.read(REAL_KERNELS).compiled(), "the build had no nvcc, so the kernel check fails first");
        var settings = new CudaSettings(false, "libcuda-absent-here.so.1", List.of(), REAL_KERNELS);
        assertThat(CudaAvailability.probe(settings))
                .hasMessageStartingWith("libcuda-absent-here.so.1 not found: no NVIDIA driver on this machine");
    }

    @Test
    void theBuildEitherCompiledAFatbinOrRecordedWhyNot() throws IOException {
        KernelImage image = KernelImage.read(REAL_KERNELS);
        if (image.compiled()) {
            // A CUDA fatbin starts with the magic 0xBA55ED50, little-endian.
            byte[] b = image.bytes();
            assertEquals(0xBA55ED50, (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24);
            assertThat(image.buildStatus()).startsWith("compiled by nvcc").contains("sm_90a");
        } else {
            try (InputStream status = CudaAvailabilityTests.class.getResourceAsStream("moe-kernels.status")) {
                assertThat(status).as("the build writes a status file either way").isNotNull();
            }
            var settings = new CudaSettings(false, "libcuda.so.1", List.of(), REAL_KERNELS);
            assertThat(CudaAvailability.probe(settings))
                    .hasMessage("kernels were not compiled: " + image.buildStatus()
                            + "; rebuild platform-inference on a machine with nvcc (CUDA 13)");
        }
    }

    @Test
    void ensureAvailabilityAgreesWithIsAvailable() {
        if (CudaAvailability.isAvailable()) {
            assertNull(CudaAvailability.unavailabilityCause());
            CudaAvailability.ensureAvailability();
        } else {
            var e = assertThrows(CudaUnavailableException.class, CudaAvailability::ensureAvailability);
            assertSame(CudaAvailability.unavailabilityCause(), e.getCause());
            assertThat(e).hasMessageStartingWith("the CUDA backend is not available: ");
        }
    }

    @Test
    void contextsCannotBeOpenedWhereTheBackendIsUnavailable() {
        assumeTrue(!CudaAvailability.isAvailable(), "this machine has a GPU");
        assertThrows(CudaUnavailableException.class, () -> CudaContext.open(0));
    }

    @Test
    void systemPropertiesWinOverEnvironmentAndAnExplicitCublasPathIsTriedFirst() {
        Map<String, String> props = Map.of(CudaSettings.CUBLAS_PROPERTY, "/opt/cuda/libcublas.so.13");
        Map<String, String> env = Map.of("MOE_CUDA_DISABLED", "TRUE", "MOE_CUDA_DRIVER_LIBRARY", "/lib/libcuda.so.1",
                "MOE_CUBLAS_LIBRARY", "/env/libcublas.so.13");
        CudaSettings s = CudaSettings.from(props::get, env);
        assertThat(s.disabled()).isTrue();
        assertThat(s.driverLibrary()).isEqualTo("/lib/libcuda.so.1");
        assertThat(s.cublasLibraries()).first().isEqualTo("/opt/cuda/libcublas.so.13");
        assertThat(s.cublasLibraries()).contains("libcublas.so.13");

        CudaSettings defaults = CudaSettings.from(k -> null, Map.of());
        assertThat(defaults.disabled()).isFalse();
        assertThat(defaults.driverLibrary()).isEqualTo("libcuda.so.1");
        assertThat(defaults.cublasLibraries()).first().isEqualTo("libcublas.so.13");
    }
}
