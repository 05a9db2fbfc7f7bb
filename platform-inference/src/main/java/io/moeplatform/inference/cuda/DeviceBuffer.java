package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * Device memory from {@code cuMemAlloc_v2}, freed by {@link #close()} or by the {@link DeviceArena} that made it.
 * Synchronous copies wait for the copy; the {@code Async} ones are ordered on a stream and need pinned host memory
 * ({@link PinnedHostBuffer}) to actually overlap.
 */
public final class DeviceBuffer implements DeviceMemory, AutoCloseable {

    private final CudaDriver driver;
    private final long address;
    private final long byteSize;
    private boolean closed;

    DeviceBuffer(CudaDriver driver, long address, long byteSize) {
        this.driver = driver;
        this.address = address;
        this.byteSize = byteSize;
    }

    @Override
    public long address() {
        checkOpen();
        return address;
    }

    @Override
    public long byteSize() {
        return byteSize;
    }

    public void copyFromHost(MemorySegment src) {
        driver.copyHostToDevice(address(), src, checkedLength(src.byteSize()));
    }

    public void copyToHost(MemorySegment dst) {
        driver.copyDeviceToHost(dst, address(), checkedLength(dst.byteSize()));
    }

    public void copyFromHostAsync(MemorySegment src, CudaStream stream) {
        driver.copyHostToDeviceAsync(address(), src, checkedLength(src.byteSize()), stream.handle());
    }

    public void copyToHostAsync(MemorySegment dst, CudaStream stream) {
        driver.copyDeviceToHostAsync(dst, address(), checkedLength(dst.byteSize()), stream.handle());
    }

    /** Copies all of {@code src} (device to device) to the start of this buffer. */
    public void copyFrom(DeviceMemory src) {
        driver.copyDeviceToDevice(address(), src.address(), checkedLength(src.byteSize()));
    }

    public void copyFromAsync(DeviceMemory src, CudaStream stream) {
        driver.copyDeviceToDeviceAsync(address(), src.address(), checkedLength(src.byteSize()), stream.handle());
    }

    /** Sets every byte to {@code value} (synchronous). */
    public void fill(byte value) {
        driver.memsetD8(address(), value, byteSize);
    }

    /** Sets every 32-bit word to {@code bits} on a stream (e.g. {@code Float.floatToRawIntBits(x)}). */
    public void fillWordsAsync(int bits, CudaStream stream) {
        driver.memsetD32Async(address(), bits, byteSize / 4, stream.handle());
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.memFree(address);
        }
    }

    private long checkedLength(long bytes) {
        if (bytes > byteSize) {
            throw new IndexOutOfBoundsException("copy of " + bytes + " bytes into a " + byteSize + "-byte buffer");
        }
        return bytes;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("device buffer already freed");
        }
    }
}
