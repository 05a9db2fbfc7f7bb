package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The tiled prefill attention against a double-precision reference of causal paged attention: one step holding
 * several sequences' chunks (a fresh prompt longer than a tile, a chunk that continues a cached context, a single
 * decode token), shuffled physical blocks, grouped-query heads, head sizes of the reference models.
 */
@Tag("gpu")
class PrefillAttentionGpuTests {

    static GpuFixture gpu;
    static StepKernels step;

    @BeforeAll
    static void open() {
        gpu = new GpuFixture();
        step = new StepKernels(gpu.context);
    }

    @AfterAll
    static void close() {
        if (step != null) {
            step.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    /** One sequence's chunk in the step: {@code tokens} new tokens after {@code cached} positions already stored. */
    private record Chunk(int cached, int tokens) {}

    @ParameterizedTest
    @CsvSource({"32, 4, 128", "16, 16, 64", "8, 2, 128", "4, 4, 16"})
    void matchesCausalAttentionOverThePagedCache(int heads, int kvHeads, int headDim) {
        List<Chunk> chunks = List.of(new Chunk(0, 77), new Chunk(40, 33), new Chunk(200, 1), new Chunk(0, 5));
        int blockSize = 16;
        int maxBlocks = 16; // 256 positions per sequence
        int kvDim = kvHeads * headDim;
        int blocks = chunks.size() * maxBlocks;
        // sequence s owns blocks s, s + 4, s + 8, ... (interleaved, so a wrong table lookup reads another sequence)
        float[] keys = gpu.randomBf16(blocks * blockSize * kvDim, 1.0);
        float[] values = gpu.randomBf16(blocks * blockSize * kvDim, 1.0);
        int tokens = chunks.stream().mapToInt(Chunk::tokens).sum();
        float[] q = gpu.randomBf16(tokens * heads * headDim, 1.0);
        int[] tables = new int[tokens * maxBlocks];
        int[] lens = new int[tokens];
        List<int[]> tiles = new ArrayList<>();
        int t = 0;
        for (int s = 0; s < chunks.size(); s++) {
            Chunk c = chunks.get(s);
            for (int i = 0; i < c.tokens(); i++) {
                for (int b = 0; b < maxBlocks; b++) {
                    tables[(t + i) * maxBlocks + b] = s + chunks.size() * b;
                }
                lens[t + i] = c.cached() + i + 1;
            }
            for (int from = 0; from < c.tokens(); from += StepKernels.PREFILL_TILE_ROWS) {
                tiles.add(new int[]{t + from, Math.min(StepKernels.PREFILL_TILE_ROWS, c.tokens() - from)});
            }
            t += c.tokens();
        }
        int[] tileArray = tiles.stream().flatMapToInt(java.util.Arrays::stream).toArray();
        float scale = (float) (1 / Math.sqrt(headDim));
        for (boolean mma : headDim == 64 || headDim == 128 ? new boolean[]{false, true} : new boolean[]{false}) {
            DeviceBuffer out = gpu.poisoned((long) tokens * heads * headDim * 2);
            step.prefillAttention(gpu.bf16(q), gpu.bf16(keys), gpu.bf16(values), gpu.i32(tables), gpu.i32(lens),
                    gpu.i32(tileArray), tiles.size(), out, heads, kvHeads, headDim, blockSize, maxBlocks, scale, mma,
                    gpu.stream);
            float[] got = gpu.readBf16(out, tokens * heads * headDim);
            assertMatchesReference(q, keys, values, tables, lens, got, tokens, heads, kvHeads, headDim, blockSize,
                    maxBlocks, scale, mma ? "tensor-core kernel" : "CUDA-core kernel");
        }
    }

    private static void assertMatchesReference(float[] q, float[] keys, float[] values, int[] tables, int[] lens,
            float[] got, int tokens, int heads, int kvHeads, int headDim, int blockSize, int maxBlocks, float scale,
            String kernel) {
        int kvDim = kvHeads * headDim;

        double worst = 0;
        int group = heads / kvHeads;
        for (int token = 0; token < tokens; token++) {
            for (int h = 0; h < heads; h++) {
                int kvh = h / group;
                double[] scores = new double[lens[token]];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < lens[token]; j++) {
                    int slot = tables[token * maxBlocks + j / blockSize] * blockSize + j % blockSize;
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) {
                        dot += q[(token * heads + h) * headDim + d] * keys[slot * kvDim + kvh * headDim + d];
                    }
                    scores[j] = dot * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < scores.length; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int d = 0; d < headDim; d++) {
                    double v = 0;
                    for (int j = 0; j < scores.length; j++) {
                        int slot = tables[token * maxBlocks + j / blockSize] * blockSize + j % blockSize;
                        v += scores[j] / sum * values[slot * kvDim + kvh * headDim + d];
                    }
                    worst = Math.max(worst, Math.abs(v - got[(token * heads + h) * headDim + d]));
                }
            }
        }
        // outputs are averages of N(0, 1) values, |v| < 4: bf16 rounding of the output is ~0.016 at most
        assertThat(worst).as(kernel + " max |diff|" + gpu.seedNote()).isLessThan(0.03);
    }
}
