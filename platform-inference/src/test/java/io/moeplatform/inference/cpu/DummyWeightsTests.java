package io.moeplatform.inference.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Any config.json runs with generated weights, the same on every run. */
class DummyWeightsTests {

    @TempDir
    Path dir;

    @Test
    void runsAConfigWithoutWeightFilesDeterministically() throws IOException {
        Path golden = GoldenCase.load("qwen2_moe").directory();
        Files.copy(golden.resolve("config.json"), dir.resolve("config.json"));
        CpuExecutorOptions options = new CpuExecutorOptions(2, 16, 0, 4, true);
        float[] first;
        float[] second;
        try (CpuModelExecutor a = CpuModelExecutor.open(dir, options)) {
            first = logits(a);
        }
        try (CpuModelExecutor b = CpuModelExecutor.open(dir, options)) {
            second = logits(b);
        }
        assertThat(first).hasSize(256).containsExactly(second);
        for (float v : first) {
            assertThat(Float.isFinite(v)).isTrue();
        }
        assertThat(GoldenCase.argmax(first)).isBetween(0, 255);
    }

    private static float[] logits(CpuModelExecutor executor) {
        return executor.forward(new StepBatch(List.of(new SequenceSlice(1, new int[]{5, 17, 99, 3}, 0,
                new int[]{0}, true, null)))).logits()[0];
    }
}
