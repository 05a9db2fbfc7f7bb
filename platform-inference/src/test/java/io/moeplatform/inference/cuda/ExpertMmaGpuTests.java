package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The routed-expert kernels of a step against a double-precision reference, with the groups split between the
 * CUDA-core kernels (fewer than {@code mmaRows} rows), the tensor-core kernels (expert_mma.cu) and, where
 * {@code tiledRows} is given, the tiled kernels for groups of at least that many rows (expert_tiled.cu), so that
 * every group is computed exactly once whatever its size. Gate/up is compared after SiLU·mul (the reference rounds
 * where the kernels round: gate and up to bf16, silu to bf16, the product to bf16); down is compared on the device's
 * own activations. Shapes cover partial last feature strips, K steps past the last unrolled batch and groups of more
 * than 32 rows (several passes of two 16-row tiles).
 */
@Tag("gpu")
class ExpertMmaGpuTests extends StepKernelsGpuTest {

    /**
     * tokens, experts, top-k, hidden, expert intermediate size, rows from which the tensor-core kernels take over,
     * whether they split K inside a block (the decode path for steps of up to 8 tokens; also run here with
     * groups of more than 32 rows, which take several passes through the shared-memory reduction), and the rows from
     * which the tiled kernels take over (0: none). The tiled rows cover groups of several 128-row tiles, partial last
     * feature tiles of both GEMMs (inter 96, hidden 288) and Qwen3's expert shape.
     */
    @ParameterizedTest
    @CsvSource({"1, 8, 2, 288, 96, 1, false", "9, 16, 4, 288, 96, 2, false", "64, 32, 8, 1056, 800, 4, false",
            "100, 4, 2, 512, 96, 1, false", "100, 6, 3, 2048, 768, 16, false", "40, 4, 2, 64, 32, 1, false",
            "1, 16, 8, 2048, 768, 1, true", "4, 12, 8, 1024, 512, 1, true", "3, 8, 2, 288, 96, 1, true",
            "100, 4, 2, 512, 800, 1, true", "40, 4, 2, 64, 32, 1, true"})
    void tensorCoreAndCudaCoreKernelsTogetherMatchTheReference(int tokens, int experts, int topK, int hidden,
            int inter, int mmaRows, boolean splitK) {
        runAndCompare(tokens, experts, topK, hidden, inter, mmaRows, splitK, 0);
    }

    @ParameterizedTest
    @CsvSource({"600, 8, 2, 1024, 256, 1, 64", "300, 4, 2, 288, 96, 1, 64", "120, 16, 4, 2048, 768, 4, 32",
            "90, 4, 2, 64, 32, 1, 20"})
    void tiledKernelsTakeTheLargeGroups(int tokens, int experts, int topK, int hidden, int inter, int mmaRows,
            int tiledRows) {
        runAndCompare(tokens, experts, topK, hidden, inter, mmaRows, false, tiledRows);
    }

    private void runAndCompare(int tokens, int experts, int topK, int hidden, int inter, int mmaRows, boolean splitK,
            int tiledRows) {
        // the router stand-in below draws from the distinct values of e * e / experts: keep top-k within them
        assertThat(IntStream.range(0, experts).map(e -> e * e / experts).distinct().count())
                .as("distinct experts to draw from").isGreaterThanOrEqualTo(topK);
        int slots = tokens * topK;
        int[] ids = new int[slots];
        for (int t = 0; t < tokens; t++) {
            int[] pick = gpu.random.ints(0, experts).map(e -> (int) ((long) e * e / experts)).distinct().limit(topK)
                    .toArray();
            System.arraycopy(pick, 0, ids, t * topK, topK);
        }
        MoeLayout layout = MoeLayout.in(gpu.poisoned(MoeLayout.ints(slots, experts) * 4), slots, experts);
        step.moeAlign(gpu.i32(ids), gpu.i32(new int[]{tokens}), topK, experts, layout, null, gpu.stream);
        int[] rowToken = gpu.readI32(layout.rowToken(), slots);
        int[] slotRow = gpu.readI32(layout.slotRow(), slots);
        int[] rowExpert = new int[slots];
        int[] expertRows = new int[experts];
        for (int s = 0; s < slots; s++) {
            rowExpert[slotRow[s]] = ids[s];
            expertRows[ids[s]]++;
        }
        if (tiledRows > 0) {
            assertThat(IntStream.of(expertRows).max().orElse(0)).as("a group for the tiled kernels")
                    .isGreaterThanOrEqualTo(tiledRows);
        }
        int mmaMaxRows = tiledRows > 0 ? tiledRows : Integer.MAX_VALUE;

        float[] x = gpu.randomBf16(tokens * hidden, 1);
        float[][] gate = new float[experts][];
        float[][] up = new float[experts][];
        float[][] down = new float[experts][];
        DeviceBuffer table = gpu.arena.allocate(3L * experts * 8);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(3L * experts * 8);
            for (int e = 0; e < experts; e++) {
                gate[e] = gpu.randomBf16(inter * hidden, 0.05);
                up[e] = gpu.randomBf16(inter * hidden, 0.05);
                down[e] = gpu.randomBf16(hidden * inter, 0.05);
                host.setAtIndex(JAVA_LONG, e, gpu.bf16(gate[e]).address());
                host.setAtIndex(JAVA_LONG, experts + e, gpu.bf16(up[e]).address());
                host.setAtIndex(JAVA_LONG, 2L * experts + e, gpu.bf16(down[e]).address());
            }
            table.copyFromHost(host);
        }
        DeviceSlice gatePtrs = table.slice(0, experts * 8L);
        DeviceSlice upPtrs = table.slice(experts * 8L, experts * 8L);
        DeviceSlice downPtrs = table.slice(2L * experts * 8, experts * 8L);
        int groups = Math.min(experts, slots);
        DeviceBuffer act = gpu.poisoned((long) slots * inter * 2);
        DeviceBuffer y = gpu.poisoned((long) slots * hidden * 2);
        DeviceBuffer xDevice = gpu.bf16(x);
        step.expertGateUp(xDevice, layout, gatePtrs, upPtrs, groups, mmaRows, act, hidden, inter, gpu.stream);
        step.expertGateUpMma(xDevice, layout, gatePtrs, upPtrs, groups, mmaRows, mmaMaxRows, act, hidden, inter,
                splitK, gpu.stream);
        if (tiledRows > 0) {
            step.expertGateUpTiled(xDevice, layout, gatePtrs, upPtrs, groups, slots, tiledRows, Integer.MAX_VALUE,
                    act, hidden, inter, gpu.stream);
        }
        step.expertDown(act, layout, downPtrs, groups, mmaRows, y, inter, hidden, gpu.stream);
        step.expertDownMma(act, layout, downPtrs, groups, mmaRows, mmaMaxRows, y, inter, hidden, splitK,
                gpu.stream);
        if (tiledRows > 0) {
            step.expertDownTiled(act, layout, downPtrs, groups, slots, tiledRows, Integer.MAX_VALUE, y, inter, hidden,
                    gpu.stream);
        }

        float[] gotAct = gpu.readBf16(act, slots * inter);
        float[] expectedAct = new float[slots * inter];
        float[] expectedY = new float[slots * hidden];
        for (int r = 0; r < slots; r++) {
            int e = rowExpert[r];
            float[] xr = new float[hidden];
            System.arraycopy(x, rowToken[r] * hidden, xr, 0, hidden);
            float[] g = ReferenceOps.linear(xr, gate[e], 1, inter, hidden);
            float[] u = ReferenceOps.linear(xr, up[e], 1, inter, hidden);
            for (int n = 0; n < inter; n++) {
                float gq = Bf16.round(g[n]);
                float silu = Bf16.round((float) (gq / (1 + Math.exp(-gq))));
                expectedAct[r * inter + n] = Bf16.round(silu * Bf16.round(u[n]));
            }
            float[] ar = new float[inter];
            System.arraycopy(gotAct, r * inter, ar, 0, inter);
            System.arraycopy(ReferenceOps.linear(ar, down[e], 1, hidden, inter), 0, expectedY, r * hidden, hidden);
        }
        String note = gpu.seedNote();
        if (splitK) {
            // the kernel that reads its table and first weights before the grid wait computes the same bits
            DeviceBuffer yEarly = gpu.poisoned((long) slots * hidden * 2);
            step.expertDown(act, layout, downPtrs, groups, mmaRows, yEarly, inter, hidden, gpu.stream);
            step.expertDownMma(act, layout, downPtrs, groups, mmaRows, mmaMaxRows, yEarly, inter, hidden, true, true,
                    gpu.stream);
            assertThat(gpu.readBf16(yEarly, slots * hidden)).as("early down" + note)
                    .containsExactly(gpu.readBf16(y, slots * hidden));
            // gate/up and down as one launch: the same bits, and its counters are left ready for the next launch
            DeviceBuffer counters = gpu.i32(new int[2 + groups]);
            for (int launch = 0; launch < 3; launch++) {
                DeviceBuffer actFused = gpu.poisoned((long) slots * inter * 2);
                DeviceBuffer yFused = gpu.poisoned((long) slots * hidden * 2);
                step.expertGateUp(xDevice, layout, gatePtrs, upPtrs, groups, mmaRows, actFused, hidden, inter,
                        gpu.stream);
                step.expertDown(actFused, layout, downPtrs, groups, mmaRows, yFused, inter, hidden, gpu.stream);
                step.expertMlpMmaFused(xDevice, layout, gatePtrs, upPtrs, downPtrs, groups, mmaRows, mmaMaxRows,
                        actFused, yFused, hidden, inter, counters, gpu.stream);
                assertThat(gpu.readBf16(actFused, slots * inter)).as("fused gate/up, launch " + launch + note)
                        .containsExactly(gotAct);
                assertThat(gpu.readBf16(yFused, slots * hidden)).as("fused down, launch " + launch + note)
                        .containsExactly(gpu.readBf16(y, slots * hidden));
                assertThat(gpu.readI32(counters, 2 + groups)).as("counters after launch " + launch)
                        .containsOnly(0);
            }
        }
        assertThat(ReferenceOps.relativeError(gotAct, expectedAct)).as("gate/up" + note).isLessThanOrEqualTo(1e-2);
        assertThat(ReferenceOps.relativeError(gpu.readBf16(y, slots * hidden), expectedY)).as("down" + note)
                .isLessThanOrEqualTo(4e-3);
    }
}
