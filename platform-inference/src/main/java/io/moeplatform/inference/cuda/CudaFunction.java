package io.moeplatform.inference.cuda;

import java.lang.foreign.Arena;
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
     * Queues one launch on {@code stream}. The argument values are copied by the driver during the call, so the
     * short-lived arena that holds them can close right after.
     */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        try (Arena arena = Arena.ofConfined()) {
            driver.launchKernel(handle, grid.x(), grid.y(), grid.z(), block.x(), block.y(), block.z(), sharedBytes,
                    stream.handle(), args.pack(arena));
        } catch (CudaException e) {
            throw new CudaException(e.call() + "(" + name + ")", e.status(), e.errorName());
        }
    }
}
