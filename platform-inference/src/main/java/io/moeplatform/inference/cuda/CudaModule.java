package io.moeplatform.inference.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A loaded module (fatbin, cubin or PTX image, {@code cuModuleLoadData}); its functions die with it. */
public final class CudaModule implements AutoCloseable {

    private final CudaDriver driver;
    private final MemorySegment handle;
    private boolean closed;

    CudaModule(CudaDriver driver, byte[] image) {
        this.driver = driver;
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
        return new CudaFunction(driver, name, driver.moduleGetFunction(handle, name));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.moduleUnload(handle);
        }
    }
}
