package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A CUDA stream (non-blocking with respect to the legacy default stream). Work queued on it runs in order; capture
 * ({@link #beginCapture()} / {@link #endCapture()}) records that work into a {@link CudaGraph} instead of running it.
 */
public final class CudaStream implements AutoCloseable {

    private static final int NON_BLOCKING = 1;
    private static final int CAPTURE_THREAD_LOCAL = 1;

    private final CudaDriver driver;
    private final MemorySegment handle;
    private boolean closed;

    CudaStream(CudaDriver driver) {
        this.driver = driver;
        this.handle = driver.streamCreate(NON_BLOCKING);
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
