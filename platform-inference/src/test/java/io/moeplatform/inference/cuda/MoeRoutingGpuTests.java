package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.RandomWeights;
import io.moeplatform.inference.model.TensorSpec;
import io.moeplatform.inference.model.WeightTensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The decode-path kernels of the model backend: the on-device MoE grouping ({@code moe_align}) against a stable
 * counting sort in Java on random router choices, the device-side dummy weights ({@code fill_random_bf16}) against
 * {@link RandomWeights} bit for bit, and the small-batch GEMV against a double-precision reference (fp32 outputs
 * within 1e-5 relative, bf16 outputs within 4e-3: one rounding).
 */
@Tag("gpu")
class MoeRoutingGpuTests extends StepKernelsGpuTest {

    /** tokens, real tokens (the rest is padding), experts, top-k; 2,500 x 8 slots take 20 rounds of the kernel. */
    @ParameterizedTest
    @CsvSource({"1, 1, 128, 8", "7, 5, 64, 8", "64, 64, 128, 8", "300, 300, 60, 4", "2500, 2400, 256, 8",
            "33, 33, 8, 2"})
    void groupsSlotsByExpertLikeAStableCountingSort(int tokens, int real, int experts, int topK) {
        int slots = tokens * topK;
        int[] ids = new int[slots];
        for (int t = 0; t < tokens; t++) {
            // distinct experts per token, skewed towards low ids so that some experts get many rows, some none
            int[] pick = gpu.random.ints(0, experts).map(e -> (int) ((long) e * e / experts)).distinct().limit(topK)
                    .toArray();
            System.arraycopy(pick, 0, ids, t * topK, topK);
        }
        DeviceBuffer memory = gpu.poisoned(MoeLayout.ints(slots, experts) * 4);
        MoeLayout layout = MoeLayout.in(memory, slots, experts);
        DeviceBuffer touched = gpu.arena.allocate(8);
        touched.fill((byte) 0);
        step.moeAlign(gpu.i32(ids), gpu.i32(new int[]{real}), topK, experts, layout, touched, gpu.stream);

        int realSlots = real * topK;
        int[] count = new int[experts];
        for (int s = 0; s < realSlots; s++) {
            count[ids[s]]++;
        }
        int[] start = new int[experts];
        int groups = 0;
        int row = 0;
        int[] groupExpert = new int[experts];
        int[] groupStart = new int[experts];
        int[] groupCount = new int[experts];
        for (int e = 0; e < experts; e++) {
            start[e] = row;
            if (count[e] > 0) {
                groupExpert[groups] = e;
                groupStart[groups] = row;
                groupCount[groups] = count[e];
                groups++;
            }
            row += count[e];
        }
        int[] rowToken = new int[realSlots];
        int[] slotRow = new int[realSlots];
        int[] fill = new int[experts];
        for (int s = 0; s < realSlots; s++) {
            int r = start[ids[s]] + fill[ids[s]]++;
            rowToken[r] = s / topK;
            slotRow[s] = r;
        }
        String note = gpu.seedNote();
        assertThat(gpu.readI32(layout.groupTotal(), 1)[0]).as("groups" + note).isEqualTo(groups);
        assertThat(gpu.readI32(layout.groupExpert(), groups)).as("group experts" + note)
                .isEqualTo(Arrays.copyOf(groupExpert, groups));
        assertThat(gpu.readI32(layout.groupStart(), groups)).as("group starts" + note)
                .isEqualTo(Arrays.copyOf(groupStart, groups));
        assertThat(gpu.readI32(layout.groupCount(), groups)).as("group counts" + note)
                .isEqualTo(Arrays.copyOf(groupCount, groups));
        assertThat(gpu.readI32(layout.rowToken(), realSlots)).as("row -> token" + note).isEqualTo(rowToken);
        assertThat(gpu.readI32(layout.slotRow(), realSlots)).as("slot -> row" + note).isEqualTo(slotRow);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(8);
            touched.copyToHost(host);
            assertThat(host.get(JAVA_LONG, 0)).as("active experts counted").isEqualTo(groups);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, 4096, 2048", "2, 512, 2048", "3, 2048, 4096", "8, 128, 2048", "5, 100, 776"})
    void gemvMatchesTheReference(int rows, int n, int k) {
        float[] x = gpu.randomBf16(rows * k, 1);
        float[] w = gpu.randomBf16(n * k, 0.05);
        float[] expected = ReferenceOps.linear(x, w, rows, n, k);
        DeviceBuffer y32 = gpu.poisoned((long) rows * n * 4);
        step.gemv(gpu.bf16(x), gpu.bf16(w), y32, rows, n, k, true, gpu.stream);
        assertThat(ReferenceOps.relativeError(gpu.readF32(y32, rows * n), expected)).as("fp32" + gpu.seedNote())
                .isLessThanOrEqualTo(1e-5);
        DeviceBuffer y16 = gpu.poisoned((long) rows * n * 2);
        step.gemv(gpu.bf16(x), gpu.bf16(w), y16, rows, n, k, false, gpu.stream);
        assertThat(ReferenceOps.relativeError(gpu.readBf16(y16, rows * n), expected)).as("bf16" + gpu.seedNote())
                .isLessThanOrEqualTo(4e-3);
    }

    /** tokens, real tokens, experts, top-k, renormalize: the fused launch against moe_router then moe_align. */
    @ParameterizedTest
    @CsvSource({"1, 1, 128, 8, true", "8, 5, 64, 8, false", "64, 64, 128, 8, true", "256, 200, 60, 4, false",
            "33, 33, 256, 8, true", "128, 128, 128, 8, true", "200, 77, 64, 8, false"})
    void routeAndAlignInOneLaunchMatchesTheTwoKernels(int tokens, int real, int experts, int topK,
            boolean renormalize) {
        float[] logits = new float[tokens * experts];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) gpu.random.nextGaussian() * 2;
        }
        if (experts >= 8) {
            logits[3] = logits[5]; // a tie: the lower expert id wins in both
        }
        int slots = tokens * topK;
        DeviceBuffer input = gpu.f32(logits);
        DeviceBuffer real32 = gpu.i32(new int[]{real});
        DeviceBuffer[] ids = {gpu.poisoned(slots * 4L), gpu.poisoned(slots * 4L)};
        DeviceBuffer[] weights = {gpu.poisoned(slots * 4L), gpu.poisoned(slots * 4L)};
        MoeLayout[] layouts = new MoeLayout[2];
        for (int i = 0; i < 2; i++) {
            layouts[i] = MoeLayout.in(gpu.poisoned(MoeLayout.ints(slots, experts) * 4), slots, experts);
        }
        try (MoeKernels router = MoeKernels.load(gpu.context)) {
            router.moeRouter(input, ids[0], weights[0], tokens, experts, topK, renormalize, gpu.stream);
        }
        step.moeAlign(ids[0], real32, topK, experts, layouts[0], null, gpu.stream);
        DeviceBuffer counter = gpu.i32(new int[1]);
        for (int launch = 0; launch < 4; launch++) { // one block, then a block per 32 tokens; counter zero again
            step.routeAndAlign(input, ids[1], weights[1], tokens, topK, renormalize, real32, experts, layouts[1],
                    null, counter, launch % 2 == 1, gpu.stream);
            assertSameRouting(ids, weights, layouts, slots, real * topK);
        }
        assertThat(gpu.readI32(counter, 1)).as("counter back to zero").containsExactly(0);
    }

    /** The routing and grouping in {@code [1]} equal those in {@code [0]}, and there is at least one group. */
    private void assertSameRouting(DeviceBuffer[] ids, DeviceBuffer[] weights, MoeLayout[] layouts, int slots,
            int realSlots) {
        String note = gpu.seedNote();
        assertThat(gpu.readI32(ids[1], slots)).as("ids" + note).isEqualTo(gpu.readI32(ids[0], slots));
        assertThat(gpu.readF32(weights[1], slots)).as("weights" + note).isEqualTo(gpu.readF32(weights[0], slots));
        int groups = gpu.readI32(layouts[0].groupTotal(), 1)[0];
        assertThat(groups).as("groups").isPositive();
        assertThat(gpu.readI32(layouts[1].groupTotal(), 1)[0]).as("groups" + note).isEqualTo(groups);
        assertThat(gpu.readI32(layouts[1].groupExpert(), groups)).isEqualTo(gpu.readI32(layouts[0].groupExpert(),
                groups));
        assertThat(gpu.readI32(layouts[1].groupStart(), groups)).isEqualTo(gpu.readI32(layouts[0].groupStart(),
                groups));
        assertThat(gpu.readI32(layouts[1].groupCount(), groups)).isEqualTo(gpu.readI32(layouts[0].groupCount(),
                groups));
        assertThat(gpu.readI32(layouts[1].rowToken(), realSlots)).as("row -> token" + note)
                .isEqualTo(gpu.readI32(layouts[0].rowToken(), realSlots));
        assertThat(gpu.readI32(layouts[1].slotRow(), realSlots)).as("slot -> row" + note)
                .isEqualTo(gpu.readI32(layouts[0].slotRow(), realSlots));
    }

    /**
     * tokens, real tokens, experts, top-k, hidden, renormalize: the router GEMV fused with top-k and grouping. Its
     * logits match the reference GEMV (fp32, 1e-5 relative; the sum order differs from gemv's), and its choices and
     * grouping are exactly moe_route_align's on those logits. Two launches check that the counter is left zero.
     */
    @ParameterizedTest
    @CsvSource({"1, 1, 128, 8, 2048, true", "2, 2, 64, 8, 2048, false", "4, 3, 60, 4, 4096, false",
            "8, 5, 256, 8, 1024, true", "3, 3, 8, 2, 64, false", "1, 1, 128, 8, 10240, true"})
    void routerGemvWithTopKAndGroupingInOneLaunch(int tokens, int real, int experts, int topK, int hidden,
            boolean renormalize) {
        float[] x = gpu.randomBf16(tokens * hidden, 1);
        float[] w = gpu.randomBf16(experts * hidden, 0.05);
        float[] expected = ReferenceOps.linear(x, w, tokens, experts, hidden);
        int slots = tokens * topK;
        DeviceBuffer xDev = gpu.bf16(x);
        DeviceBuffer wDev = gpu.bf16(w);
        DeviceBuffer real32 = gpu.i32(new int[]{real});
        DeviceBuffer counter = gpu.i32(new int[1]);
        DeviceBuffer logits = gpu.poisoned((long) tokens * experts * 4);
        DeviceBuffer[] ids = {gpu.poisoned(slots * 4L), gpu.poisoned(slots * 4L)};
        DeviceBuffer[] weights = {gpu.poisoned(slots * 4L), gpu.poisoned(slots * 4L)};
        MoeLayout[] layouts = new MoeLayout[2];
        for (int i = 0; i < 2; i++) {
            layouts[i] = MoeLayout.in(gpu.poisoned(MoeLayout.ints(slots, experts) * 4), slots, experts);
        }
        String note = gpu.seedNote();
        for (int launch = 0; launch < 2; launch++) {
            step.routerRouteAlign(xDev, wDev, logits, ids[1], weights[1], tokens, hidden, topK, renormalize, real32,
                    experts, layouts[1], null, counter, gpu.stream);
            assertThat(gpu.readI32(counter, 1)[0]).as("counter left zero" + note).isZero();
        }
        float[] fused = gpu.readF32(logits, tokens * experts);
        assertThat(ReferenceOps.relativeError(fused, expected)).as("logits" + note).isLessThanOrEqualTo(1e-5);
        step.routeAndAlign(logits, ids[0], weights[0], tokens, topK, renormalize, real32, experts, layouts[0], null,
                gpu.i32(new int[1]), gpu.stream);
        assertSameRouting(ids, weights, layouts, slots, real * topK);
    }

    /** tokens, query heads, kv heads, head dim, q/k norm weights given. */
    @ParameterizedTest
    @CsvSource({"1, 32, 4, 128, true", "5, 16, 16, 64, false", "8, 8, 2, 16, true"})
    void qkNormRopeStoringKvMatchesTheSeparateKvWrite(int tokens, int qHeads, int kvHeads, int headDim,
            boolean norms) {
        RopeCase c = new RopeCase(tokens, qHeads * headDim, kvHeads * headDim, headDim, 0.37);
        DeviceBuffer qNorm = norms ? gpu.bf16(gpu.randomBf16(headDim, 1)) : null;
        DeviceBuffer kNorm = norms ? gpu.bf16(gpu.randomBf16(headDim, 1)) : null;
        step.qkNormRope(c.qs[0], c.ks[0], c.positions, c.cos, c.sin, qNorm, kNorm, qHeads, kvHeads, headDim, tokens,
                1e-6f, null, gpu.stream);
        step.kvWrite(c.ks[0], c.v, c.slots, c.kCaches[0], c.vCaches[0], c.kvDim, tokens, gpu.stream);
        step.qkNormRope(c.qs[1], c.ks[1], c.positions, c.cos, c.sin, qNorm, kNorm, qHeads, kvHeads, headDim, tokens,
                1e-6f, c.store(1), gpu.stream);
        c.assertSame();
    }

    /**
     * q, k and v rows of a q/k norm + RoPE case, twice each ([0] for the separate launches, [1] for the fused one),
     * positions, KV slots (the last token a padding token when there are several), cos/sin tables and two poisoned
     * KV pools.
     */
    private final class RopeCase {
        final int tokens;
        final int qDim;
        final int kvDim;
        final int poolSlots;
        final DeviceBuffer[] qs;
        final DeviceBuffer[] ks;
        final DeviceBuffer v;
        final DeviceBuffer positions;
        final DeviceBuffer slots;
        final DeviceBuffer cos;
        final DeviceBuffer sin;
        final DeviceBuffer[] kCaches;
        final DeviceBuffer[] vCaches;

        RopeCase(int tokens, int qDim, int kvDim, int headDim, double angleStep) {
            int maxPositions = 64;
            this.tokens = tokens;
            this.qDim = qDim;
            this.kvDim = kvDim;
            this.poolSlots = 3 * tokens + 5;
            float[] q = gpu.randomBf16(tokens * qDim, 1);
            float[] k = gpu.randomBf16(tokens * kvDim, 1);
            float[] cosTable = new float[maxPositions * headDim / 2];
            float[] sinTable = new float[cosTable.length];
            for (int i = 0; i < cosTable.length; i++) {
                cosTable[i] = (float) Math.cos(i * angleStep);
                sinTable[i] = (float) Math.sin(i * angleStep);
            }
            int[] pos = new int[tokens];
            int[] slot = new int[tokens];
            for (int t = 0; t < tokens; t++) {
                pos[t] = gpu.random.nextInt(maxPositions);
                slot[t] = t == tokens - 1 && tokens > 1 ? -1 : 3 * t + 1;
            }
            qs = new DeviceBuffer[]{gpu.bf16(q), gpu.bf16(q)};
            ks = new DeviceBuffer[]{gpu.bf16(k), gpu.bf16(k)};
            v = gpu.bf16(gpu.randomBf16(tokens * kvDim, 1));
            positions = gpu.i32(pos);
            slots = gpu.i32(slot);
            cos = gpu.f32(cosTable);
            sin = gpu.f32(sinTable);
            kCaches = new DeviceBuffer[]{gpu.poisoned(poolSlots * kvDim * 2L), gpu.poisoned(poolSlots * kvDim * 2L)};
            vCaches = new DeviceBuffer[]{gpu.poisoned(poolSlots * kvDim * 2L), gpu.poisoned(poolSlots * kvDim * 2L)};
        }

        StepKernels.KvStore store(int i) {
            return new StepKernels.KvStore(v, slots, kCaches[i], vCaches[i]);
        }

        /** q, k and both pools of [1] hold the bits of [0]; untouched pool slots keep the poison in both. */
        void assertSame() {
            String note = gpu.seedNote();
            assertThat(gpu.readBf16(qs[1], tokens * qDim)).as("q" + note).isEqualTo(gpu.readBf16(qs[0], tokens * qDim));
            assertThat(gpu.readBf16(ks[1], tokens * kvDim)).as("k" + note)
                    .isEqualTo(gpu.readBf16(ks[0], tokens * kvDim));
            int cacheValues = poolSlots * kvDim;
            assertThat(gpu.readBf16(kCaches[1], cacheValues)).as("k cache" + note)
                    .isEqualTo(gpu.readBf16(kCaches[0], cacheValues));
            assertThat(gpu.readBf16(vCaches[1], cacheValues)).as("v cache" + note)
                    .isEqualTo(gpu.readBf16(vCaches[0], cacheValues));
        }
    }

    /**
     * tokens, heads (q = kv), head dim, norm weights given, store k/v: whole-row q/k norms with the RoPE (and the KV
     * store) in one launch give the bits of rmsnorm, rope and kv_write launched one after another (OLMoE's shape
     * first; 1,024 values per row at head dim 64 make a 256-thread block of 4 values each).
     */
    @ParameterizedTest
    @CsvSource({"1, 16, 128, true, true", "5, 16, 64, true, false", "3, 4, 32, false, true", "8, 2, 16, true, true",
            "2, 64, 128, true, true"})
    void rowNormRopeMatchesSeparateLaunches(int tokens, int heads, int headDim, boolean norms, boolean store) {
        int width = heads * headDim;
        RopeCase c = new RopeCase(tokens, width, width, headDim, 0.29);
        DeviceBuffer qNorm = norms ? gpu.bf16(gpu.randomBf16(width, 1)) : null;
        DeviceBuffer kNorm = norms ? gpu.bf16(gpu.randomBf16(width, 1)) : null;
        if (norms) {
            gpu.kernels.rmsNorm(c.qs[0], null, qNorm, c.qs[0], tokens, width, 1e-5f, gpu.stream);
            gpu.kernels.rmsNorm(c.ks[0], null, kNorm, c.ks[0], tokens, width, 1e-5f, gpu.stream);
        }
        step.rope(c.qs[0], c.positions, c.cos, c.sin, heads, headDim, tokens, gpu.stream);
        step.rope(c.ks[0], c.positions, c.cos, c.sin, heads, headDim, tokens, gpu.stream);
        if (store) {
            step.kvWrite(c.ks[0], c.v, c.slots, c.kCaches[0], c.vCaches[0], width, tokens, gpu.stream);
        }
        step.qkRowNormRope(c.qs[1], c.ks[1], c.positions, c.cos, c.sin, qNorm, kNorm, heads, headDim, tokens, 1e-5f,
                store ? c.store(1) : null, gpu.stream);
        c.assertSame();
    }

    @ParameterizedTest
    @CsvSource({"1, 3", "4, 3", "8, 2", "3, 2"})
    void sharedInputGemvIsBitIdenticalToSeparateLaunches(int rows, int count) {
        int k = 2048;
        int[] n = count == 3 ? new int[]{4096, 512, 510} : new int[]{1536, 130};
        DeviceBuffer x = gpu.bf16(gpu.randomBf16(rows * k, 1));
        DeviceMemory[] w = new DeviceMemory[count];
        DeviceMemory[] fused = new DeviceMemory[count];
        for (int i = 0; i < count; i++) {
            w[i] = gpu.bf16(gpu.randomBf16(n[i] * k, 0.05));
            fused[i] = gpu.poisoned((long) rows * n[i] * 2);
        }
        step.gemvShared(x, w, fused, n, rows, k, gpu.stream);
        for (int i = 0; i < count; i++) {
            DeviceBuffer alone = gpu.poisoned((long) rows * n[i] * 2);
            step.gemv(x, w[i], alone, rows, n[i], k, false, gpu.stream);
            assertThat(gpu.readBf16(fused[i], rows * n[i])).as("output %d%s", i, gpu.seedNote())
                    .isEqualTo(gpu.readBf16(alone, rows * n[i]));
        }
    }

    @ParameterizedTest
    @CsvSource({"MATRIX, 768, 2048", "EMBEDDING, 1000, 64", "NORM, 1, 4096", "BIAS, 1, 333"})
    void generatesTheSameDummyWeightsAsTheHost(TensorSpec.Role role, long rows, long columns) {
        TensorSpec spec = new TensorSpec("model.layers.3.mlp.experts.7." + role, rows == 1
                ? new long[]{columns}
                : new long[]{rows, columns}, role);
        long seed = 0x5EED_0F_D0_3AL;
        int n = (int) spec.elementCount();
        DeviceBuffer out = gpu.poisoned(n * 2L);
        step.fillRandom(out, n, RandomWeights.fill(seed, spec), gpu.stream);
        gpu.stream.synchronize();
        try (RandomWeights host = new RandomWeights(seed, Path.of(".")); Arena a = Arena.ofConfined()) {
            WeightTensor expected = host.tensor(spec);
            MemorySegment got = a.allocate(n * 2L);
            out.copyToHost(got);
            for (int i = 0; i < n; i++) {
                short want = expected.data().getAtIndex(JAVA_SHORT, i);
                short have = got.getAtIndex(JAVA_SHORT, i);
                if (want != have) {
                    throw new AssertionError(role + " element " + i + ": device " + Integer.toHexString(have & 0xffff)
                            + ", host " + Integer.toHexString(want & 0xffff));
                }
            }
        }
    }
}
