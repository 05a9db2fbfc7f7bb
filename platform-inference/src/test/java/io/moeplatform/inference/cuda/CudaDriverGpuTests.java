package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The driver bindings on a real device: copies, pinned memory, streams, events, graphs, errors. */
@Tag("gpu")
class CudaDriverGpuTests {

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
    void reportsTheDevice() {
        DeviceInfo info = gpu.context.info();
        assertTrue(info.computeMajor() >= 8, info.toString());
        assertTrue(info.multiprocessors() > 0 && info.totalMemoryBytes() > (1L << 30), info.toString());
        long[] mem = gpu.context.memoryInfo();
        assertTrue(mem[0] > 0 && mem[0] <= mem[1]);
    }

    @Test
    void copiesRoundTripThroughDeviceMemorySyncAndAsync() {
        int n = 1 << 20;
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = gpu.random.nextFloat();
        }
        DeviceBuffer a = gpu.f32(data);
        DeviceBuffer b = gpu.poisoned(n * 4L);
        b.copyFrom(a);
        assertArrayEquals(data, gpu.readF32(b, n));

        DeviceBuffer c = gpu.poisoned(n * 4L);
        try (PinnedHostBuffer in = gpu.context.allocatePinned(n * 4L);
                PinnedHostBuffer out = gpu.context.allocatePinned(n * 4L)) {
            MemorySegment.copy(MemorySegment.ofArray(data), 0, in.segment(), 0, n * 4L);
            c.copyFromHostAsync(in.segment(), gpu.stream);
            DeviceBuffer d = gpu.poisoned(n * 4L);
            d.copyFromAsync(c, gpu.stream);
            d.copyToHostAsync(out.segment(), gpu.stream);
            gpu.stream.synchronize();
            assertArrayEquals(data, out.segment().toArray(JAVA_FLOAT));
        }
        c.fillWordsAsync(Float.floatToRawIntBits(2.5f), gpu.stream);
        float[] filled = gpu.readF32(c, n);
        for (float f : filled) {
            assertEquals(2.5f, f);
        }
    }

    @Test
    void eventsTimeWorkOnAStream() {
        DeviceBuffer src = gpu.poisoned(256L << 20);
        DeviceBuffer dst = gpu.poisoned(256L << 20);
        try (CudaEvent start = gpu.context.newEvent(); CudaEvent end = gpu.context.newEvent()) {
            start.record(gpu.stream);
            dst.copyFromAsync(src, gpu.stream);
            end.record(gpu.stream);
            end.synchronize();
            float ms = end.elapsedMillisSince(start);
            assertTrue(ms > 0 && ms < 1000, "copy of 256 MiB took " + ms + " ms");
        }
    }

    @Test
    void capturedGraphReplaysKernelsOnNewInputs() {
        int n = 4096;
        float[] first = gpu.randomBf16(n, 3);
        DeviceBuffer in = gpu.f32(first);
        DeviceBuffer mid = gpu.poisoned(n * 2L);
        DeviceBuffer out = gpu.poisoned(n * 4L);
        gpu.stream.beginCapture();
        gpu.kernels.f32ToBf16(in, mid, n, gpu.stream);
        gpu.kernels.bf16ToF32(mid, out, n, gpu.stream);
        try (CudaGraph graph = gpu.stream.endCapture()) {
            float[] before = gpu.readF32(out, n);
            assertTrue(Float.isNaN(before[0]), "capture must record, not run");
            graph.launch(gpu.stream);
            assertArrayEquals(first, gpu.readF32(out, n));
            float[] second = gpu.randomBf16(n, 3);
            try (Arena a = Arena.ofConfined()) {
                in.copyFromHost(a.allocateFrom(JAVA_FLOAT, second));
            }
            graph.launch(gpu.stream);
            assertArrayEquals(second, gpu.readF32(out, n));
        }
    }

    @Test
    void failedCallsNameTheCallAndTheError() {
        var oom = assertThrows(CudaException.class, () -> gpu.arena.allocate(1L << 50));
        assertEquals("cuMemAlloc_v2", oom.call());
        assertEquals("CUDA_ERROR_OUT_OF_MEMORY", oom.errorName());

        var bad = assertThrows(CudaException.class, () -> gpu.context.loadModule(new byte[]{1, 2, 3, 4}));
        assertEquals("cuModuleLoadData", bad.call());
        assertTrue(bad.errorName().startsWith("CUDA_ERROR_"), bad.errorName());

        try (CudaModule module = gpu.context.loadModule(KernelImage.read("moe-kernels.fatbin").bytes())) {
            var missing = assertThrows(CudaException.class, () -> module.function("no_such_kernel"));
            assertEquals("cuModuleGetFunction(no_such_kernel)", missing.call());
            assertEquals("CUDA_ERROR_NOT_FOUND", missing.errorName());
        }
    }

    @Test
    void intBuffersRoundTrip() {
        int[] ids = {0, 1, -5, Integer.MAX_VALUE};
        try (Arena a = Arena.ofConfined()) {
            DeviceBuffer b = gpu.arena.allocate(16);
            b.copyFromHost(a.allocateFrom(JAVA_INT, ids));
            assertArrayEquals(ids, gpu.readI32(b, 4));
        }
    }
}
