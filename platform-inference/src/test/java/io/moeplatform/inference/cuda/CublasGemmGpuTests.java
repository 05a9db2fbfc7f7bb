package io.moeplatform.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * cuBLAS GEMMs against a double-precision reference on bf16 inputs. bf16 × bf16 products are exact in fp32 and the
 * sums accumulate in fp32, so fp32 outputs land within 1e-5 relative; bf16 outputs add one rounding (≤ 2^-9
 * relative per element), so 4e-3.
 */
@Tag("gpu")
class CublasGemmGpuTests {

    private GpuFixture gpu;
    private @org.jspecify.annotations.Nullable CublasHandle cublas;

    @BeforeEach
    void open() {
        gpu = new GpuFixture();
        cublas = CublasHandle.create(gpu.context, gpu.stream);
    }

    @AfterEach
    void close() {
        if (cublas != null) {
            cublas.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    @Test
    void linearMatchesReferenceInFp32AndBf16Output() {
        int m = 37;
        int n = 200;
        int k = 320;
        float[] x = gpu.randomBf16(m * k, 1);
        float[] w = gpu.randomBf16(n * k, 0.05);
        float[] expected = ReferenceOps.linear(x, w, m, n, k);

        DeviceBuffer y32 = gpu.poisoned((long) m * n * 4);
        cublas.linear(gpu.bf16(x), gpu.bf16(w), y32, m, n, k, true);
        assertClose(expected, gpu.readF32(y32, m * n), 1e-5, "fp32 out");

        DeviceBuffer y16 = gpu.poisoned((long) m * n * 2);
        cublas.linear(gpu.bf16(x), gpu.bf16(w), y16, m, n, k, false);
        assertClose(expected, gpu.readBf16(y16, m * n), 4e-3, "bf16 out");
    }

    @Test
    void stridedBatchedLinearMultipliesEachExpertSeparately() {
        int batch = 3;
        int m = 16;
        int n = 96;
        int k = 128;
        float[] x = gpu.randomBf16(batch * m * k, 1);
        float[] w = gpu.randomBf16(batch * n * k, 0.1);
        float[] expected = new float[batch * m * n];
        for (int b = 0; b < batch; b++) {
            float[] yb = ReferenceOps.linear(Arrays.copyOfRange(x, b * m * k, (b + 1) * m * k),
                    Arrays.copyOfRange(w, b * n * k, (b + 1) * n * k), m, n, k);
            System.arraycopy(yb, 0, expected, b * m * n, m * n);
        }
        DeviceBuffer y = gpu.poisoned((long) batch * m * n * 4);
        cublas.linearBatched(gpu.bf16(x), (long) m * k, gpu.bf16(w), (long) n * k, y, (long) m * n, m, n, k, batch,
                true);
        assertClose(expected, gpu.readF32(y, batch * m * n), 1e-5, "batched");
    }

    @Test
    void pointerBatchedLinearMultipliesEachOperandWhereverItLies() {
        int batch = 3;
        int m = 24;
        int n = 80;
        int k = 64;
        float[][] xs = new float[batch][];
        float[][] ws = new float[batch][];
        DeviceBuffer[] x = new DeviceBuffer[batch];
        DeviceBuffer[] w = new DeviceBuffer[batch];
        DeviceBuffer[] y = new DeviceBuffer[batch];
        long[][] pointers = new long[3][batch];
        for (int b = 0; b < batch; b++) {
            xs[b] = gpu.randomBf16(m * k, 1);
            ws[b] = gpu.randomBf16(n * k, 0.1);
            x[b] = gpu.bf16(xs[b]);
            w[b] = gpu.bf16(ws[b]);
            y[b] = gpu.poisoned((long) m * n * 2);
            pointers[0][b] = x[b].address();
            pointers[1][b] = w[b].address();
            pointers[2][b] = y[b].address();
        }
        DeviceBuffer[] arrays = new DeviceBuffer[3];
        for (int a = 0; a < 3; a++) {
            arrays[a] = gpu.arena.allocate(batch * 8L);
            try (java.lang.foreign.Arena host = java.lang.foreign.Arena.ofConfined()) {
                arrays[a].copyFromHost(host.allocateFrom(java.lang.foreign.ValueLayout.JAVA_LONG, pointers[a]));
            }
        }
        cublas.linearPointerBatched(arrays[0], arrays[1], arrays[2], m, n, k, batch);
        for (int b = 0; b < batch; b++) {
            // bf16 output: one rounding of each result, relative 2^-8
            assertClose(ReferenceOps.linear(xs[b], ws[b], m, n, k), gpu.readBf16(y[b], m * n), 1e-2,
                    "pointer-batched " + b);
        }
    }

    private void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        double err = ReferenceOps.relativeError(actual, expected);
        assertTrue(err <= tolerance, what + ": relative error " + err + " > " + tolerance + gpu.seedNote());
    }
}
