package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * A kernel in a loaded {@link CudaModule}, launched with {@code cuLaunchKernel}, or with {@code cuLaunchKernelEx} and
 * programmatic stream serialization when its module was loaded for programmatic launch (see
 * {@link CudaContext#programmaticLaunch()}).
 */
public final class CudaFunction {

    /**
     * Timing experiments only: kernels whose names start with one of these comma-separated prefixes
     * ({@code -Dmoe.cuda.timingSkip=paged_attention,rmsnorm}) are not launched at all, so that a benchmark shows
     * what they cost inside a captured step (their marginal time with everything else in place), which per-kernel
     * events outside the graph cannot show. Every result computed after a skipped kernel is wrong.
     */
    private static final List<String> TIMING_SKIP = Arrays.stream(System.getProperty("moe.cuda.timingSkip", "")
            .split(",")).map(String::strip).filter(p -> !p.isEmpty()).toList();

    private final CudaDriver driver;
    private final String name;
    private final MemorySegment handle;
    private final boolean programmatic;
    private final boolean skipped;

    CudaFunction(CudaDriver driver, String name, MemorySegment handle, boolean programmatic) {
        this.driver = driver;
        this.name = name;
        this.handle = handle;
        this.programmatic = programmatic;
        this.skipped = TIMING_SKIP.stream().anyMatch(name::startsWith);
    }

    public String name() {
        return name;
    }

    /**
     * Queues one launch on {@code stream}. The driver copies the argument values during the call.
     */
    public void launch(Dim3 grid, Dim3 block, int sharedBytes, CudaStream stream, KernelArgs args) {
        if (skipped) {
            return;
        }
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
