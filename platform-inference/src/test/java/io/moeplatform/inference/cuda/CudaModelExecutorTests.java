package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Runs everywhere: without a usable GPU, opening a model (DeepSeek's included) on CUDA fails with the availability
 * check's reason.
 */
class CudaModelExecutorTests {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3_moe", "deepseek_v3"})
    void openFailsWithTheAvailabilityCauseWhenCudaIsUnavailable(String model) throws URISyntaxException {
        assumeFalse(CudaAvailability.isAvailable(), "CUDA is available here");
        Path dir = Path.of(CudaModelExecutorTests.class.getResource("/golden/models/" + model).toURI());
        assertThatThrownBy(() -> CudaModelExecutor.open(dir, CudaExecutorOptions.defaults()))
                .isInstanceOf(CudaUnavailableException.class)
                .hasMessageContaining(CudaAvailability.unavailabilityCause().getMessage())
                .hasCause(CudaAvailability.unavailabilityCause());
    }

    @Test
    void optionsRejectNonsense() {
        assertThatThrownBy(() -> new CudaExecutorOptions(0, 16, 0, 0, 0, 8, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatchTokens > 0");
        assertThat(CudaExecutorOptions.defaults().kvBlockSize()).isEqualTo(16);
    }
}
