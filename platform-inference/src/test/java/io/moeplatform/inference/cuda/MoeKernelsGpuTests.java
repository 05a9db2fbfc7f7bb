package io.moeplatform.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Each kernel against {@link ReferenceOps} on fresh random inputs. Tolerances (‖gpu − ref‖ / ‖ref‖): the references
 * round to bf16 where the kernels do, so differences come from fp32 vs double arithmetic and fast exp: bf16 outputs
 * within 1 ulp here and there, bounded by 4e-3 (one bf16 ulp is 2^-8 ≈ 3.9e-3 relative, so most elements match
 * exactly); fp32 outputs 1e-5. Conversions, gathers, argmax and router ids must match exactly.
 */
@Tag("gpu")
class MoeKernelsGpuTests {

    private static final double BF16_TOLERANCE = 4e-3;

    private GpuFixture gpu;

    @BeforeEach
    void open() {
        gpu = new GpuFixture();
    }

    @AfterEach
    void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Test
    void convertsBf16ToF32AndBackExactly() {
        int n = 100_003;
        float[] values = gpu.randomBf16(n, 10);
        values[0] = Float.NaN;
        values[1] = Float.POSITIVE_INFINITY;
        DeviceBuffer bf = gpu.bf16(values);
        DeviceBuffer f32 = gpu.poisoned(n * 4L);
        gpu.kernels.bf16ToF32(bf, f32, n, gpu.stream);
        float[] widened = gpu.readF32(f32, n);
        assertArrayEquals(values, widened, gpu.seedNote());

        float[] wide = new float[n];
        for (int i = 0; i < n; i++) {
            wide[i] = (float) (gpu.random.nextGaussian() * 100);
        }
        DeviceBuffer src = gpu.f32(wide);
        DeviceBuffer narrow = gpu.poisoned(n * 2L);
        gpu.kernels.f32ToBf16(src, narrow, n, gpu.stream);
        float[] got = gpu.readBf16(narrow, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Bf16.round(wide[i]), got[i], "element " + i + gpu.seedNote());
        }
    }

    @Test
    void gathersEmbeddingRowsAndMarksBadIds() {
        int vocab = 1000;
        int tokens = 37;
        for (int hidden : new int[]{256, 100}) { // 16-byte path and scalar path
            float[] table = gpu.randomBf16(vocab * hidden, 1);
            int[] ids = new int[tokens];
            for (int t = 0; t < tokens; t++) {
                ids[t] = gpu.random.nextInt(vocab);
            }
            ids[5] = vocab; // out of range
            DeviceBuffer out = gpu.poisoned((long) tokens * hidden * 2);
            gpu.kernels.embeddingGather(gpu.bf16(table), gpu.i32(ids), out, tokens, hidden, vocab, gpu.stream);
            float[] got = gpu.readBf16(out, tokens * hidden);
            for (int t = 0; t < tokens; t++) {
                for (int i = 0; i < hidden; i++) {
                    float expected = t == 5 ? Float.NaN : table[ids[t] * hidden + i];
                    assertEquals(expected, got[t * hidden + i], "token " + t + " dim " + i + gpu.seedNote());
                }
            }
        }
    }

    @Test
    void rmsNormWithAndWithoutResidualMatchesReference() {
        int tokens = 19;
        int hidden = 2048;
        float eps = 1e-6f;
        float[] x = gpu.randomBf16(tokens * hidden, 1);
        float[] residual = gpu.randomBf16(tokens * hidden, 1);
        float[] weight = gpu.randomBf16(hidden, 0.5);

        DeviceBuffer out = gpu.poisoned((long) tokens * hidden * 2);
        gpu.kernels.rmsNorm(gpu.bf16(x), null, gpu.bf16(weight), out, tokens, hidden, eps, gpu.stream);
        float[] expected = ReferenceOps.rmsNorm(x, null, weight, tokens, hidden, eps);
        assertClose(expected, gpu.readBf16(out, tokens * hidden), BF16_TOLERANCE, "rmsnorm");

        DeviceBuffer res = gpu.bf16(residual);
        DeviceBuffer xInPlace = gpu.bf16(x);
        gpu.kernels.rmsNorm(xInPlace, res, gpu.bf16(weight), xInPlace, tokens, hidden, eps, gpu.stream);
        float[] refResidual = ReferenceOps.copy(residual);
        float[] expectedFused = ReferenceOps.rmsNorm(x, refResidual, weight, tokens, hidden, eps);
        assertArrayEquals(refResidual, gpu.readBf16(res, tokens * hidden), "residual stream" + gpu.seedNote());
        assertClose(expectedFused, gpu.readBf16(xInPlace, tokens * hidden), BF16_TOLERANCE, "fused rmsnorm");
    }

    @Test
    void ropeNeoxMatchesReferenceWithAndWithoutQkNorm() {
        int tokens = 11;
        int qHeads = 8;
        int kvHeads = 2;
        int headDim = 128;
        int maxPos = 4096;
        float eps = 1e-6f;
        float[][] tables = ReferenceOps.ropeTables(maxPos, headDim, 1_000_000);
        int[] positions = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            positions[t] = gpu.random.nextInt(maxPos);
        }
        // q and k as views of one fused qkv row [q | k | v], as a fused projection produces them
        long rowStride = (long) (qHeads + 2 * kvHeads) * headDim;
        for (boolean withNorm : new boolean[]{false, true}) {
            float[] qkv = gpu.randomBf16((int) (tokens * rowStride), 1);
            float[] qNorm = withNorm ? gpu.randomBf16(headDim, 1) : null;
            float[] kNorm = withNorm ? gpu.randomBf16(headDim, 1) : null;
            DeviceBuffer qkvDev = gpu.bf16(qkv);
            DeviceSlice q = qkvDev.slice(0, qkvDev.byteSize());
            DeviceSlice k = qkvDev.slice(qHeads * headDim * 2L, qkvDev.byteSize() - qHeads * headDim * 2L);
            gpu.kernels.ropeNeox(q, k, gpu.i32(positions), gpu.f32(tables[0]), gpu.f32(tables[1]),
                    withNorm ? gpu.bf16(qNorm) : null, withNorm ? gpu.bf16(kNorm) : null, tokens, qHeads, kvHeads,
                    headDim, rowStride, rowStride, eps, gpu.stream);
            float[] expected = ReferenceOps.copy(qkv);
            for (int t = 0; t < tokens; t++) {
                for (int h = 0; h < qHeads + kvHeads; h++) {
                    ReferenceOps.ropeHead(expected, (int) (t * rowStride) + h * headDim, headDim, positions[t],
                            tables[0], tables[1], h < qHeads ? qNorm : kNorm, eps);
                }
            }
            float[] got = gpu.readBf16(qkvDev, qkv.length);
            assertClose(expected, got, BF16_TOLERANCE, "rope (qk norm " + withNorm + ")");
            for (int t = 0; t < tokens; t++) { // the v part must stay untouched
                for (int i = (qHeads + kvHeads) * headDim; i < rowStride; i++) {
                    assertEquals(qkv[(int) (t * rowStride) + i], got[(int) (t * rowStride) + i]);
                }
            }
        }
    }

    @Test
    void siluMulMatchesReference() {
        int rows = 33;
        int inter = 768;
        float[] gateUp = gpu.randomBf16(rows * 2 * inter, 2);
        DeviceBuffer out = gpu.poisoned((long) rows * inter * 2);
        gpu.kernels.siluMul(gpu.bf16(gateUp), out, rows, inter, gpu.stream);
        assertClose(ReferenceOps.siluMul(gateUp, rows, inter), gpu.readBf16(out, rows * inter), BF16_TOLERANCE,
                "silu*mul");
    }

    @Test
    void routerPicksTopKExpertsWithSoftmaxWeights() {
        int tokens = 45;
        for (int[] config : new int[][]{{128, 8, 1}, {64, 8, 0}, {256, 2, 1}, {40, 4, 0}}) {
            int experts = config[0];
            int topK = config[1];
            boolean renormalize = config[2] == 1;
            float[] logits = new float[tokens * experts];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (gpu.random.nextGaussian() * 2);
            }
            DeviceBuffer ids = gpu.poisoned((long) tokens * topK * 4);
            DeviceBuffer weights = gpu.poisoned((long) tokens * topK * 4);
            gpu.kernels.moeRouter(gpu.f32(logits), ids, weights, tokens, experts, topK, renormalize, gpu.stream);
            int[] refIds = new int[tokens * topK];
            float[] refWeights = new float[tokens * topK];
            ReferenceOps.router(logits, tokens, experts, topK, renormalize, refIds, refWeights);
            String what = experts + " experts, top " + topK + gpu.seedNote();
            assertArrayEquals(refIds, gpu.readI32(ids, tokens * topK), what);
            assertClose(refWeights, gpu.readF32(weights, tokens * topK), 1e-5, what);
        }
    }

    @Test
    void pagedAttentionMatchesReferenceWithAndWithoutSplitK() {
        // {query heads, kv heads, head dim}: Qwen3-30B-A3B-like grouping, OLMoE-like (no grouping), wide heads
        for (int[] heads : new int[][]{{16, 2, 128}, {8, 8, 64}, {8, 2, 256}, {12, 1, 96}}) {
            checkPagedAttention(heads[0], heads[1], heads[2]);
        }
    }

    private void checkPagedAttention(int qHeads, int kvHeads, int headDim) {
        int seqs = 6;
        int blockSize = 16;
        int[] seqLens = {1, 15, 16, 17, 300, 129};
        int maxLen = 300;
        int maxBlocks = (maxLen + blockSize - 1) / blockSize;
        int numBlocks = seqs * maxBlocks + 3;
        // every sequence gets distinct physical blocks in shuffled order, so a wrong table lookup shows
        List<Integer> physical = new ArrayList<>();
        for (int i = 0; i < numBlocks; i++) {
            physical.add(i);
        }
        Collections.shuffle(physical, gpu.random);
        int[] tables = new int[seqs * maxBlocks];
        for (int i = 0; i < tables.length; i++) {
            tables[i] = physical.get(i);
        }
        int cacheElems = numBlocks * blockSize * kvHeads * headDim;
        float[] kCache = gpu.randomBf16(cacheElems, 1);
        float[] vCache = gpu.randomBf16(cacheElems, 1);
        float[] q = gpu.randomBf16(seqs * qHeads * headDim, 1);
        float scale = (float) (1 / Math.sqrt(headDim));
        var shape = new PagedAttentionShape(seqs, qHeads, kvHeads, headDim, blockSize, maxBlocks,
                (long) qHeads * headDim, scale);
        float[] expected = ReferenceOps.pagedAttention(q, kCache, vCache, tables, seqLens, seqs, qHeads, kvHeads,
                headDim, blockSize, maxBlocks, scale);

        DeviceBuffer qDev = gpu.bf16(q);
        DeviceBuffer kDev = gpu.bf16(kCache);
        DeviceBuffer vDev = gpu.bf16(vCache);
        DeviceBuffer tablesDev = gpu.i32(tables);
        DeviceBuffer lensDev = gpu.i32(seqLens);
        boolean groupedExists = headDim == 64 || headDim == 128 || headDim == 256;
        // counters for the per-head kernel's fused reduce: zero, and zero again after every launch
        DeviceBuffer counters = gpu.i32(new int[seqs * qHeads]);
        DecodeAttentionKernel[] kernels = groupedExists
                ? DecodeAttentionKernel.values()
                : new DecodeAttentionKernel[]{DecodeAttentionKernel.PER_HEAD, DecodeAttentionKernel.PER_HEAD_EARLY_KV};
        for (DecodeAttentionKernel kernel : kernels) {
            boolean grouped = kernel.grouped();
            for (boolean fused : grouped ? new boolean[]{false} : new boolean[]{false, true}) {
                for (int partitionSize : new int[]{512, 64, 16}) {
                    int partitions = shape.partitions(maxLen, partitionSize);
                    DeviceBuffer scratch = partitions > 1 ? gpu.poisoned(shape.scratchBytes(partitions)) : null;
                    DeviceBuffer out = gpu.poisoned((long) seqs * qHeads * headDim * 2);
                    gpu.kernels.pagedAttention(shape, qDev, kDev, vDev, tablesDev, lensDev, out, partitions,
                            partitionSize, scratch, fused ? counters : null, gpu.stream, kernel);
                    String what = "attention " + qHeads + "/" + kvHeads + "x" + headDim + " " + kernel
                            + (fused ? " fused reduce, " : ", ") + partitions + " partitions";
                    assertClose(expected, gpu.readBf16(out, seqs * qHeads * headDim), BF16_TOLERANCE, what);
                    assertArrayEquals(new int[seqs * qHeads], gpu.readI32(counters, seqs * qHeads),
                            what + ": counters back to zero");
                }
            }
        }
    }

    @Test
    void argmaxFindsTheFirstLargestLogit() {
        int rows = 5;
        int vocab = 151_936;
        float[] logits = new float[rows * vocab];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) gpu.random.nextGaussian();
        }
        logits[1 * vocab + 7] = 50f; // a tie: the first index must win
        logits[1 * vocab + 90_000] = 50f;
        logits[2 * vocab + vocab - 1] = 60f; // the last element
        logits[3 * vocab + 3] = Float.NaN; // NaN never wins
        int[] expected = new int[rows];
        for (int r = 0; r < rows; r++) {
            expected[r] = ReferenceOps.argmax(logits, r * vocab, vocab);
        }
        assertEquals(7, expected[1]);
        DeviceBuffer out = gpu.poisoned(rows * 4L);
        gpu.kernels.argmax(gpu.f32(logits), out, rows, vocab, gpu.stream);
        assertArrayEquals(expected, gpu.readI32(out, rows), gpu.seedNote());
    }

    private void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        double err = ReferenceOps.relativeError(actual, expected);
        assertTrue(err <= tolerance, what + ": relative error " + err + " > " + tolerance + gpu.seedNote());
    }
}
