package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decode steps replayed from CUDA graphs (a batch of 3 padded to the bucket of 4) against the same steps run eagerly,
 * and the prefill path that reads the per-expert counts back for cuBLAS GEMMs against the all-on-device path, on the
 * tiny golden checkpoints. Padding changes the row count cuBLAS sees, so logits may differ by rounding (bf16
 * activations): relative error within 2%, and the same greedy tokens.
 */
@Tag("gpu")
class CudaGraphGpuTests {

    private static final CudaExecutorOptions OPTIONS = new CudaExecutorOptions(0, 4, 0, 64, 256, 32, false);

    @ParameterizedTest
    @ValueSource(strings = {"qwen3_moe", "olmoe", "qwen2_moe", "deepseek_v3", "deepseek_v2"})
    void graphReplayedDecodeStepsMatchEagerSteps(String name) {
        GoldenReference golden = GoldenReference.load(name);
        try (CudaModelExecutor graphed = CudaModelExecutor.open(golden.directory(), OPTIONS);
                CudaModelExecutor eager = with("moe.cuda.graphs", "false",
                        () -> CudaModelExecutor.open(golden.directory(), OPTIONS))) {
            int[] prompt = golden.prompt();
            int sequences = 3;
            int[] next = new int[sequences];
            double worst = 0;
            for (int step = 0; step < 8; step++) {
                float[][][] rows = new float[2][][];
                int k = 0;
                for (CudaModelExecutor ex : List.of(graphed, eager)) {
                    List<SequenceSlice> slices = new ArrayList<>();
                    for (int s = 0; s < sequences; s++) {
                        int[] table = CudaGoldenModelGpuTests.seqTable(s);
                        slices.add(step == 0
                                ? new SequenceSlice(s, shift(prompt, s), 0, table, true, null)
                                : new SequenceSlice(s, new int[]{next[s]}, prompt.length + step - 1, table, true,
                                        null));
                    }
                    rows[k++] = ex.forward(new StepBatch(slices)).logits();
                }
                for (int s = 0; s < sequences; s++) {
                    double e = GoldenReference.relativeError(rows[1][s], rows[0][s]);
                    worst = Math.max(worst, e);
                    assertThat(e).as("%s step %d sequence %d graph vs eager", name, step, s).isLessThanOrEqualTo(0.02);
                    next[s] = GoldenReference.argmax(rows[1][s]);
                    if (GoldenReference.topMargin(rows[1][s]) > 0.1 * GoldenReference.maxAbs(rows[1][s])) {
                        assertThat(GoldenReference.argmax(rows[0][s])).as("%s step %d sequence %d greedy token", name,
                                step, s).isEqualTo(next[s]);
                    }
                }
            }
            assertThat(graphed.capturedGraphs()).as("decode graphs captured").isPositive();
            assertThat(eager.capturedGraphs()).isZero();
            System.out.printf(Locale.ROOT, "[graphs] %s: %d graph(s), max rel. error graph vs eager %.5f%n", name,
                    graphed.capturedGraphs(), worst);
        }
    }

    @ParameterizedTest
    @CsvSource({"qwen3_moe, true", "qwen3_moe, false", "mixtral, true", "mixtral, false"})
    void prefillWithExpertGemmsMatchesTheOnDevicePath(String name, String batched) {
        GoldenReference golden = GoldenReference.load(name);
        try (CudaModelExecutor device = CudaModelExecutor.open(golden.directory(), OPTIONS);
                CudaModelExecutor viaHost = with("moe.cuda.deviceRoutingTokens", "0",
                        () -> with("moe.cuda.expertGemmRows", "2", () -> with("moe.cuda.batchedExpertGemms", batched,
                                () -> CudaModelExecutor.open(golden.directory(), OPTIONS))))) {
            int[] prompt = golden.prompt();
            List<SequenceSlice> slices = List.of(
                    new SequenceSlice(1, prompt, 0, CudaGoldenModelGpuTests.seqTable(0), true, null),
                    new SequenceSlice(2, shift(prompt, 1), 0, CudaGoldenModelGpuTests.seqTable(1), true, null));
            float[][] a = device.forward(new StepBatch(slices)).logits();
            float[][] b = viaHost.forward(new StepBatch(slices)).logits();
            for (int s = 0; s < a.length; s++) {
                double e = GoldenReference.relativeError(a[s], b[s]);
                assertThat(e).as("%s sequence %d: expert GEMMs (batched %s) vs grouped kernels", name, s, batched)
                        .isLessThanOrEqualTo(0.02);
            }
            assertThat(GoldenReference.relativeError(golden.logits()[prompt.length - 1], b[0]))
                    .isLessThanOrEqualTo(CudaGoldenModelGpuTests.TOLERANCE);
        }
    }

    /** The prompt rotated left by {@code by} tokens: another sequence of the same length and vocabulary. */
    private static int[] shift(int[] prompt, int by) {
        int[] p = new int[prompt.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = prompt[(i + by) % prompt.length];
        }
        return p;
    }

    private static <T> T with(String property, String value, Supplier<T> body) {
        String old = System.getProperty(property);
        System.setProperty(property, value);
        try {
            return body.get();
        } finally {
            if (old == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, old);
            }
        }
    }
}
