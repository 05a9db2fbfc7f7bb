package io.moeplatform.inference.cuda;

import java.lang.foreign.MemorySegment;

/**
 * One device's primary context, retained for this object's life. The primary context is the one cuBLAS and every
 * other library in the process share (CUDA 13 changed {@code cuCtxCreate}, and one context per device is what we
 * want anyway). A context is current per thread: call {@link #bindToCurrentThread()} on each thread that issues work.
 */
public final class CudaContext implements AutoCloseable {

    private static final int ATTR_MULTIPROCESSOR_COUNT = 16;
    private static final int ATTR_COMPUTE_MAJOR = 75;
    private static final int ATTR_COMPUTE_MINOR = 76;
    private static final int ATTR_L2_CACHE_SIZE = 38;
    private static final int ATTR_MAX_SHARED_PER_BLOCK_OPTIN = 97;

    private final CudaDriver driver;
    private final int device;
    private final MemorySegment context;
    private final DeviceInfo info;
    private boolean closed;

    private CudaContext(CudaDriver driver, int ordinal) {
        this.driver = driver;
        this.device = driver.device(ordinal);
        this.context = driver.primaryContextRetain(device);
        driver.contextSetCurrent(context);
        this.info = new DeviceInfo(ordinal, driver.deviceName(device),
                driver.deviceAttribute(device, ATTR_COMPUTE_MAJOR), driver.deviceAttribute(device, ATTR_COMPUTE_MINOR),
                driver.deviceAttribute(device, ATTR_MULTIPROCESSOR_COUNT), driver.deviceTotalMemory(device),
                driver.deviceAttribute(device, ATTR_MAX_SHARED_PER_BLOCK_OPTIN),
                driver.deviceAttribute(device, ATTR_L2_CACHE_SIZE), driver.driverVersion());
    }

    /**
     * Retains device {@code ordinal}'s primary context and makes it current on the calling thread.
     *
     * @throws CudaUnavailableException
     *             if the backend cannot run here
     */
    public static CudaContext open(int ordinal) {
        CudaAvailability.ensureAvailability();
        CudaDriver driver = CudaDriver.get();
        int count = driver.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("no CUDA device " + ordinal + ": this machine has " + count);
        }
        return new CudaContext(driver, ordinal);
    }

    public DeviceInfo info() {
        return info;
    }

    public void bindToCurrentThread() {
        driver.contextSetCurrent(checkOpen());
    }

    public DeviceArena newArena() {
        checkOpen();
        return new DeviceArena(driver);
    }

    public CudaStream newStream() {
        checkOpen();
        return new CudaStream(driver);
    }

    public CudaEvent newEvent() {
        checkOpen();
        return new CudaEvent(driver, true);
    }

    public PinnedHostBuffer allocatePinned(long bytes) {
        checkOpen();
        return new PinnedHostBuffer(driver, bytes);
    }

    /** Loads a module of our kernels; they are launched programmatically when {@link #programmaticLaunch()}. */
    public CudaModule loadModule(byte[] image) {
        checkOpen();
        return new CudaModule(driver, image, programmaticLaunch());
    }

    /**
     * Whether kernels are launched with programmatic stream serialization (programmatic dependent launch): on
     * compute capability 9.0 and newer unless {@code -Dmoe.cuda.pdl=false}. It overlaps a kernel's launch and its
     * weight loads with the end of the previous kernel, which matters at batch 1 where a decode step is hundreds of
     * kernels of a few microseconds each.
     */
    public boolean programmaticLaunch() {
        return info.computeMajor() >= 9 && Boolean.parseBoolean(System.getProperty(PDL_PROPERTY, "true"));
    }

    /** Switch for {@link #programmaticLaunch()}. */
    public static final String PDL_PROPERTY = "moe.cuda.pdl";

    /** Waits for all work on every stream of this context. */
    public void synchronize() {
        checkOpen();
        driver.contextSynchronize();
    }

    /** {free, total} bytes of device memory as the driver reports them now. */
    public long[] memoryInfo() {
        checkOpen();
        return driver.memoryInfo();
    }

    private MemorySegment checkOpen() {
        if (closed) {
            throw new IllegalStateException("CUDA context already released");
        }
        return context;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            driver.primaryContextRelease(device);
        }
    }
}
