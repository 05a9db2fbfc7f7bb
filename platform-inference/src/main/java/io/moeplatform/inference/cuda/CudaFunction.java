package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/** A kernel in a loaded {@link CudaModule}, launched with {@code cuLaunchKernel}. */
public final class CudaFunction {

    private final CudaDriver driver;
    private final String name;
    private final MemorySegment handle;

    CudaFunction(CudaDriver driver, String name, MemorySegment handle) {
        this.driver = driver;
        this.name = name;
        this.handle = handle;
    }

    public String name() {
        return name;
    }

    /**
     * Queues one launch on {@code stream}. The driver copies the argument values during the call.
     */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        try {
            driver.launchKernel(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                    stream.handle(), args.pack());
        } catch (CudaException e) {
            throw new CudaException(e.call() + "(" + name + ")", e.status(), e.errorName());
        }
    }
}
