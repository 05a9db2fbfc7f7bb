package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A CUDA stream. Work queued on it runs in order. It is a blocking stream, ordered with the legacy default stream, on
 * purpose: the synchronous copies and memsets of {@link DeviceBuffer} run on the legacy stream and may return before
 * the device finished them, so a non-blocking stream could race with them. Capture
 * ({@link #beginCapture()} / {@link #endCapture()}) records that work into a {@link CudaGraph} instead of running it.
 */
public final class CudaStream implements AutoCloseable {

    private static final int BLOCKING_WITH_LEGACY_STREAM = 0;
    private static final int CAPTURE_THREAD_LOCAL = 1;

    private final CudaDriver driver;
    private final MemorySegment handle;
    private boolean closed;

    CudaStream(CudaDriver driver) {
        this.driver = driver;
        this.handle = driver.streamCreate(BLOCKING_WITH_LEGACY_STREAM);
    }

    MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("stream already destroyed");
        }
        return handle;
    }

    /** Blocks until everything queued so far has finished. */
    public void synchronize() {
        driver.streamSynchronize(handle());
    }

    /**
     * Starts recording instead of running. Thread-local mode: other threads may keep using CUDA meanwhile, as long as
     * they do not touch this stream.
     */
    public void beginCapture() {
        driver.streamBeginCapture(handle(), CAPTURE_THREAD_LOCAL);
    }

    /** Ends recording and instantiates what was recorded, ready to launch any number of times. */
    public CudaGraph endCapture() {
        MemorySegment graph = driver.streamEndCapture(handle());
        try {
            return new CudaGraph(driver, graph, driver.graphInstantiate(graph));
        } catch (RuntimeException e) {
            driver.graphDestroy(graph);
            throw e;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.streamDestroy(handle);
        }
    }
}
