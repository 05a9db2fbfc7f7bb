package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/** A CUDA event: a marker recorded on a stream, for timing and for waiting on a point in the stream's work. */
public final class CudaEvent implements AutoCloseable {

    private static final int DEFAULT = 0;
    private static final int DISABLE_TIMING = 2;

    private final CudaDriver driver;
    private final MemorySegment handle;
    private boolean closed;

    CudaEvent(CudaDriver driver, boolean timing) {
        this.driver = driver;
        this.handle = driver.eventCreate(timing ? DEFAULT : DISABLE_TIMING);
    }

    public void record(CudaStream stream) {
        driver.eventRecord(handle(), stream.handle());
    }

    public void synchronize() {
        driver.eventSynchronize(handle());
    }

    /** Milliseconds between {@code start} and this event (both recorded and completed, both made with timing). */
    public float elapsedMillisSince(CudaEvent start) {
        return driver.eventElapsedMillis(start.handle(), handle());
    }

    MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("event already destroyed");
        }
        return handle;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.eventDestroy(handle);
        }
    }
}
