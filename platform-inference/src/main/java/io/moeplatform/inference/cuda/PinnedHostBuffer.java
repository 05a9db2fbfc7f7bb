package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * Page-locked host memory from {@code cuMemHostAlloc}: the source or target of copies that overlap with kernels.
 * The segment must not be used after {@link #close()}.
 */
public final class PinnedHostBuffer implements AutoCloseable {

    private final CudaDriver driver;
    private final MemorySegment segment;
    private boolean closed;

    PinnedHostBuffer(CudaDriver driver, long bytes) {
        this.driver = driver;
        this.segment = driver.memHostAlloc(bytes, 0);
    }

    public MemorySegment segment() {
        if (closed) {
            throw new IllegalStateException("pinned buffer already freed");
        }
        return segment;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.memFreeHost(segment);
        }
    }
}
