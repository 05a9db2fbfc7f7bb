package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Copies weights to the device as bf16 through two pinned staging buffers: while the DMA engine copies one chunk,
 * the host fills (and converts f16/f32 into) the other. Device memory comes from large slabs carved into 256-byte
 * aligned pieces, so a model of tens of thousands of tensors costs a few hundred allocations.
 */
final class WeightUploader implements AutoCloseable {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long CHUNK = 32L << 20;
    private static final long SLAB = 512L << 20;
    private static final long ALIGN = 256;

    private final CudaDriver driver;
    private final DeviceArena arena;
    private final CudaStream stream;
    private final PinnedHostBuffer[] staging = new PinnedHostBuffer[2];
    private final CudaEvent[] free = new CudaEvent[2];
    private final boolean[] pending = new boolean[2];
    private int next;
    private DeviceBuffer slab;
    private long slabUsed;
    private long uploadedBytes;
    private long nanos;

    WeightUploader(CudaContext context, DeviceArena arena, CudaStream stream) {
        this.driver = CudaDriver.get();
        this.arena = arena;
        this.stream = stream;
        for (int i = 0; i < 2; i++) {
            staging[i] = context.allocatePinned(CHUNK);
            free[i] = context.newEvent();
        }
    }

    CudaWeight upload(WeightTensor w) {
        long start = System.nanoTime();
        long n = w.elementCount();
        DeviceSlice target = carve(n * 2);
        MemorySegment src = w.data();
        long elementsPerChunk = CHUNK / 2;
        for (long from = 0; from < n; from += elementsPerChunk) {
            long count = Math.min(elementsPerChunk, n - from);
            int b = next;
            next ^= 1;
            if (pending[b]) {
                free[b].synchronize();
            }
            MemorySegment dst = staging[b].segment();
            switch (w.dtype()) {
                case BF16 -> MemorySegment.copy(src, from * 2, dst, 0, count * 2);
                case F16 -> {
                    for (long i = 0; i < count; i++) {
                        dst.setAtIndex(U16, i, Bf16.fromFloat(Float.float16ToFloat(src.getAtIndex(U16, from + i))));
                    }
                }
                case F32 -> {
                    for (long i = 0; i < count; i++) {
                        dst.setAtIndex(U16, i, Bf16.fromFloat(src.getAtIndex(F32, from + i)));
                    }
                }
            }
            driver.copyHostToDeviceAsync(target.address() + from * 2, dst, count * 2, stream.handle());
            free[b].record(stream);
            pending[b] = true;
        }
        uploadedBytes += n * 2;
        nanos += System.nanoTime() - start;
        return new CudaWeight(target, w.rows(), w.columns());
    }

    /** Device memory for {@code w} without copying anything (the caller fills it on the stream); counted as loaded. */
    CudaWeight allocate(WeightTensor w) {
        long n = w.elementCount();
        uploadedBytes += n * 2;
        return new CudaWeight(carve(n * 2), w.rows(), w.columns());
    }

    /** Waits for the copies in flight; weights are usable by any stream afterwards. */
    void finish() {
        long start = System.nanoTime();
        stream.synchronize();
        nanos += System.nanoTime() - start;
    }

    /** Bytes of bf16 weights copied so far. */
    long uploadedBytes() {
        return uploadedBytes;
    }

    /** Time spent in uploads (reading the source, converting, staging, copying). */
    double seconds() {
        return nanos / 1e9;
    }

    private DeviceSlice carve(long bytes) {
        long size = (bytes + ALIGN - 1) / ALIGN * ALIGN;
        if (slab == null || slabUsed + size > slab.byteSize()) {
            slab = arena.allocate(Math.max(SLAB, size));
            slabUsed = 0;
        }
        DeviceSlice s = slab.slice(slabUsed, bytes);
        slabUsed += size;
        return s;
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            if (pending[i]) {
                free[i].synchronize();
            }
            free[i].close();
            staging[i].close();
        }
    }
}
