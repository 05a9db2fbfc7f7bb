package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.moeplatform.inference.model.ModelLoadException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere: without a usable GPU, opening a model on CUDA fails with the availability check's reason; a
 * DeepSeek model fails before that, on any machine.
 */
class CudaModelExecutorTests {

    @Test
    void openFailsWithTheAvailabilityCauseWhenCudaIsUnavailable() throws URISyntaxException {
        assumeFalse(CudaAvailability.isAvailable(), "CUDA is available here");
        Path dir = Path.of(CudaModelExecutorTests.class.getResource("/golden/models/qwen3_moe").toURI());
        assertThatThrownBy(() -> CudaModelExecutor.open(dir, CudaExecutorOptions.defaults()))
                .isInstanceOf(CudaUnavailableException.class)
                .hasMessageContaining(CudaAvailability.unavailabilityCause().getMessage())
                .hasCause(CudaAvailability.unavailabilityCause());
    }

    @Test
    void deepSeekModelsAreRejectedAtLoadUntilTheBackendHasMla() throws URISyntaxException {
        Path dir = Path.of(CudaModelExecutorTests.class.getResource("/golden/models/deepseek_v3").toURI());
        assertThatThrownBy(() -> CudaModelExecutor.open(dir, CudaExecutorOptions.defaults()))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("'deepseek_v3' (multi-head latent attention) is not supported on the CUDA "
                        + "backend yet");
    }

    @Test
    void optionsRejectNonsense() {
        assertThatThrownBy(() -> new CudaExecutorOptions(0, 16, 0, 0, 0, 8, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxBatchTokens > 0");
        assertThat(CudaExecutorOptions.defaults().kvBlockSize()).isEqualTo(16);
    }
}
