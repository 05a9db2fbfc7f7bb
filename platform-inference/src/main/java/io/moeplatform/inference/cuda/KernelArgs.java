package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A kernel's arguments in declaration order. Each value is stored as the kernel reads it: pointers and
 * {@code long long} as 8 bytes, {@code int} and {@code float} as 4; {@code cuLaunchKernel} gets an array of pointers
 * to the values ({@code void** kernelParams}).
 */
public final class KernelArgs {

    private static final int POINTER = 0;
    private static final int INT = 1;
    private static final int LONG = 2;
    private static final int FLOAT = 3;

    private long[] values = new long[16];
    private byte[] kinds = new byte[16];
    private int count;

    /** A device pointer; {@code null} passes a null pointer (for optional tensors). */
    public KernelArgs ptr(@Nullable DeviceMemory memory) {
        return add(POINTER, memory == null ? 0L : memory.address());
    }

    public KernelArgs i32(int v) {
        return add(INT, v);
    }

    public KernelArgs i64(long v) {
        return add(LONG, v);
    }

    public KernelArgs f32(float v) {
        return add(FLOAT, Float.floatToRawIntBits(v));
    }

    private KernelArgs add(int kind, long value) {
        if (count == values.length) {
            values = Arrays.copyOf(values, count * 2);
            kinds = Arrays.copyOf(kinds, count * 2);
        }
        values[count] = value;
        kinds[count++] = (byte) kind;
        return this;
    }

    /**
     * Writes the values into this thread's launch buffer and returns its pointer array. The driver copies the values
     * during {@code cuLaunchKernel}, so one buffer per thread, reused by every launch, is enough; it saves two native
     * allocations per launch (launch overhead matters: a decode step launches hundreds of kernels).
     */
    MemorySegment pack() {
        if (count > MAX_ARGS) {
            throw new IllegalArgumentException("kernels take at most " + MAX_ARGS + " arguments, got " + count);
        }
        LaunchBuffer buffer = LAUNCH_BUFFER.get();
        for (int i = 0; i < count; i++) {
            long offset = 8L * i;
            switch (kinds[i]) {
                case INT -> buffer.values.set(JAVA_INT, offset, (int) values[i]);
                case FLOAT -> buffer.values.set(JAVA_FLOAT, offset, Float.intBitsToFloat((int) values[i]));
                default -> buffer.values.set(JAVA_LONG, offset, values[i]);
            }
        }
        return buffer.pointers;
    }

    private static final int MAX_ARGS = 64;
    private static final ThreadLocal<LaunchBuffer> LAUNCH_BUFFER = ThreadLocal.withInitial(LaunchBuffer::new);

    /** 8 bytes per argument and a fixed array of pointers to them; freed by the GC with its thread. */
    private static final class LaunchBuffer {
        final MemorySegment values;
        final MemorySegment pointers;

        LaunchBuffer() {
            Arena arena = Arena.ofAuto();
            values = arena.allocate(8L * MAX_ARGS, 8);
            pointers = arena.allocate(ADDRESS, MAX_ARGS);
            for (int i = 0; i < MAX_ARGS; i++) {
                pointers.setAtIndex(ADDRESS, i, values.asSlice(8L * i));
            }
        }
    }
}
