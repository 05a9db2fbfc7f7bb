package io.moeplatform.inference.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * Owns the device buffers allocated through it and frees those still open when closed: a loaded model's weights,
 * or a step's scratch, live in one arena and go away together. Not thread-safe.
 */
public final class DeviceArena implements AutoCloseable {

    private final CudaDriver driver;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private long allocatedBytes;
    private boolean closed;

    DeviceArena(CudaDriver driver) {
        this.driver = driver;
    }

    /** Allocates {@code bytes} of device memory (contents undefined; cuMemAlloc aligns to at least 256 bytes). */
    public DeviceBuffer allocate(long bytes) {
        if (closed) {
            throw new IllegalStateException("device arena already closed");
        }
        if (bytes <= 0) {
            throw new IllegalArgumentException("allocation size must be positive, got " + bytes);
        }
        DeviceBuffer buffer = new DeviceBuffer(driver, driver.memAlloc(bytes), bytes);
        buffers.add(buffer);
        allocatedBytes += bytes;
        return buffer;
    }

    /** Bytes allocated through this arena so far (freed buffers included). */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (DeviceBuffer b : buffers) {
            try {
                b.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        buffers.clear();
        if (first != null) {
            throw first;
        }
    }
}
