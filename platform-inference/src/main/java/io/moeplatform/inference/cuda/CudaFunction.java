package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * A kernel in a loaded {@link CudaModule}, launched with {@code cuLaunchKernel}, or with {@code cuLaunchKernelEx} and
 * programmatic stream serialization when its module was loaded for programmatic launch (see
 * {@link CudaContext#programmaticLaunch()}).
 */
public final class CudaFunction {

    private final CudaDriver driver;
    private final String name;
    private final MemorySegment handle;
    private final boolean programmatic;

    CudaFunction(CudaDriver driver, String name, MemorySegment handle, boolean programmatic) {
        this.driver = driver;
        this.name = name;
        this.handle = handle;
        this.programmatic = programmatic;
    }

    public String name() {
        return name;
    }

    /**
     * Queues one launch on {@code stream}. The driver copies the argument values during the call.
     */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        try {
            if (programmatic) {
                driver.launchKernelProgrammatic(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                        sharedBytes, stream.handle(), args.pack());
            } else {
                driver.launchKernel(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(),
                        sharedBytes, stream.handle(), args.pack());
            }
        } catch (CudaException e) {
            throw new CudaException(e.call() + "(" + name + ")", e.status(), e.errorName());
        }
    }
}
