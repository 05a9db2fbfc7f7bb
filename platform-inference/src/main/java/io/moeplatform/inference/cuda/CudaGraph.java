package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * An instantiated CUDA graph made by stream capture: one launch replays every captured kernel and copy with the
 * same arguments, costing one launch's overhead instead of one per kernel (decode steps launch hundreds).
 */
public final class CudaGraph implements AutoCloseable {

    private final CudaDriver driver;
    private final MemorySegment graph;
    private final MemorySegment exec;
    private boolean closed;

    CudaGraph(CudaDriver driver, MemorySegment graph, MemorySegment exec) {
        this.driver = driver;
        this.graph = graph;
        this.exec = exec;
    }

    public void launch(CudaStream stream) {
        if (closed) {
            throw new IllegalStateException("graph already destroyed");
        }
        driver.graphLaunch(exec, stream.handle());
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.graphExecDestroy(exec);
            driver.graphDestroy(graph);
        }
    }
}
