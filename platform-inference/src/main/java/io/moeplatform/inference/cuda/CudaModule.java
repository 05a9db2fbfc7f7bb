package io.moeplatform.inference.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A loaded module (fatbin, cubin or PTX image, {@code cuModuleLoadData}); its functions die with it. */
public final class CudaModule implements AutoCloseable {

    private final CudaDriver driver;
    private final MemorySegment handle;
    private final boolean programmatic;
    private boolean closed;

    /**
     * @param programmatic
     *            launch this module's kernels with programmatic stream serialization: every kernel must begin with
     *            {@code griddepcontrol.wait} (our kernels call common.cuh's {@code grid_dependency_sync})
     */
    CudaModule(CudaDriver driver, byte[] image, boolean programmatic) {
        this.driver = driver;
        this.programmatic = programmatic;
        // The driver copies what it needs from the image during the call, so a confined arena is enough.
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment copy = arena.allocate(image.length + 1L, 16);
            MemorySegment.copy(MemorySegment.ofArray(image), 0, copy, 0, image.length);
            this.handle = driver.moduleLoadData(copy);
        }
    }

    /** The {@code extern "C"} kernel of that name. */
    public CudaFunction function(String name) {
        if (closed) {
            throw new IllegalStateException("module already unloaded");
        }
        return new CudaFunction(driver, name, driver.moduleGetFunction(handle, name), programmatic);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.moduleUnload(handle);
        }
    }
}
