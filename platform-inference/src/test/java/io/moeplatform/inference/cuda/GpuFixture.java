package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

/**
 * One device context, stream and kernel module for a GPU test class, plus uploads and downloads of bf16, fp32 and
 * int32 arrays. Outputs are poisoned with 0xFF bytes (NaN in bf16 and fp32) before a kernel runs, so an element the
 * kernel forgot to write fails the comparison.
 */
final class GpuFixture implements AutoCloseable {

    final CudaContext context;
    final CudaStream stream;
    final MoeKernels kernels;
    final DeviceArena arena;
    final long seed = System.nanoTime();
    final Random random = new Random(seed);

    GpuFixture() {
        context = CudaContext.open(0);
        stream = context.newStream();
        kernels = MoeKernels.load(context);
        arena = context.newArena();
    }

    /** Normal(0, scale) values rounded to bf16. */
    float[] randomBf16(int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = Bf16.round((float) (random.nextGaussian() * scale));
        }
        return a;
    }

    DeviceBuffer bf16(float[] values) {
        DeviceBuffer b = arena.allocate(values.length * 2L);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_SHORT, values.length);
            for (int i = 0; i < values.length; i++) {
                host.setAtIndex(JAVA_SHORT, i, Bf16.fromFloat(values[i]));
            }
            b.copyFromHost(host);
        }
        return b;
    }

    DeviceBuffer f32(float[] values) {
        DeviceBuffer b = arena.allocate(values.length * 4L);
        try (Arena a = Arena.ofConfined()) {
            b.copyFromHost(a.allocateFrom(JAVA_FLOAT, values));
        }
        return b;
    }

    DeviceBuffer i32(int[] values) {
        DeviceBuffer b = arena.allocate(values.length * 4L);
        try (Arena a = Arena.ofConfined()) {
            b.copyFromHost(a.allocateFrom(JAVA_INT, values));
        }
        return b;
    }

    DeviceBuffer poisoned(long bytes) {
        DeviceBuffer b = arena.allocate(bytes);
        b.fill((byte) 0xff);
        return b;
    }

    float[] readBf16(DeviceMemory m, int n) {
        stream.synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_SHORT, n);
            copy(m, host);
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = Bf16.toFloat(host.getAtIndex(JAVA_SHORT, i));
            }
            return out;
        }
    }

    float[] readF32(DeviceMemory m, int n) {
        stream.synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_FLOAT, n);
            copy(m, host);
            return host.toArray(JAVA_FLOAT);
        }
    }

    int[] readI32(DeviceMemory m, int n) {
        stream.synchronize();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment host = a.allocate(JAVA_INT, n);
            copy(m, host);
            return host.toArray(JAVA_INT);
        }
    }

    private static void copy(DeviceMemory m, MemorySegment host) {
        if (m instanceof DeviceBuffer b) {
            b.copyToHost(host);
        } else {
            CudaDriver.get().copyDeviceToHost(host, m.address(), host.byteSize());
        }
    }

    String seedNote() {
        return " (random seed " + seed + ")";
    }

    @Override
    public void close() {
        arena.close();
        kernels.close();
        stream.close();
        context.close();
    }
}
