package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Bindings to the CUDA driver API ({@code libcuda.so.1}) through FFM. Every call's {@code CUresult} is checked and a
 * failure becomes a {@link CudaException} naming the call and the error ({@code cuGetErrorName}). Handles
 * ({@code CUcontext}, {@code CUstream} ...) are {@link MemorySegment} addresses; device pointers are {@code long}.
 * Names are the exported symbols ({@code cuMemAlloc_v2}), which {@code cuda.h} hides behind macros.
 */
final class CudaDriver {

    private static final FunctionDescriptor INT_INT = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
    private static final FunctionDescriptor INT_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS);
    private static final FunctionDescriptor INT_PTR_PTR = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
    private static final FunctionDescriptor INT_LONG = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static volatile CudaDriver instance;

    private final String library;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuCtxSynchronize;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemsetD8;
    private final MethodHandle cuMemsetD32Async;
    private final MethodHandle cuMemcpyHtoD;
    private final MethodHandle cuMemcpyDtoH;
    private final MethodHandle cuMemcpyDtoD;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemcpyDtoDAsync;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuModuleLoadData;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuLaunchKernelEx;
    private final MethodHandle cuStreamBeginCapture;
    private final MethodHandle cuStreamEndCapture;
    private final MethodHandle cuGraphInstantiate;
    private final MethodHandle cuGraphLaunch;
    private final MethodHandle cuGraphExecDestroy;
    private final MethodHandle cuGraphDestroy;

    private CudaDriver(NativeSymbols lib) {
        library = lib.library();
        cuGetErrorName = lib.function("cuGetErrorName", INT_PTR.insertArgumentLayouts(0, JAVA_INT));
        cuInit = lib.function("cuInit", INT_INT);
        cuDriverGetVersion = lib.function("cuDriverGetVersion", INT_PTR);
        cuDeviceGetCount = lib.function("cuDeviceGetCount", INT_PTR);
        cuDeviceGet = lib.function("cuDeviceGet", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDeviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetAttribute = lib.function("cuDeviceGetAttribute",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = lib.function("cuDeviceTotalMem_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuDevicePrimaryCtxRelease = lib.function("cuDevicePrimaryCtxRelease_v2", INT_INT);
        cuCtxSetCurrent = lib.function("cuCtxSetCurrent", INT_PTR);
        cuCtxSynchronize = lib.function("cuCtxSynchronize", FunctionDescriptor.of(JAVA_INT));
        cuMemGetInfo = lib.function("cuMemGetInfo_v2", INT_PTR_PTR);
        cuMemAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = lib.function("cuMemFree_v2", INT_LONG);
        cuMemsetD8 = lib.function("cuMemsetD8_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
        cuMemsetD32Async = lib.function("cuMemsetD32Async",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS));
        cuMemcpyHtoD = lib.function("cuMemcpyHtoD_v2", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG));
        cuMemcpyDtoH = lib.function("cuMemcpyDtoH_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
        cuMemcpyDtoD = lib.function("cuMemcpyDtoD_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        cuMemcpyHtoDAsync = lib.function("cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = lib.function("cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemcpyDtoDAsync = lib.function("cuMemcpyDtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemHostAlloc = lib.function("cuMemHostAlloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        cuMemFreeHost = lib.function("cuMemFreeHost", INT_PTR);
        cuStreamCreate = lib.function("cuStreamCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamDestroy = lib.function("cuStreamDestroy_v2", INT_PTR);
        cuStreamSynchronize = lib.function("cuStreamSynchronize", INT_PTR);
        cuEventCreate = lib.function("cuEventCreate", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuEventDestroy = lib.function("cuEventDestroy_v2", INT_PTR);
        cuEventRecord = lib.function("cuEventRecord", INT_PTR_PTR, CRITICAL);
        cuEventSynchronize = lib.function("cuEventSynchronize", INT_PTR);
        cuEventElapsedTime = lib.function(lib.has("cuEventElapsedTime_v2")
                ? "cuEventElapsedTime_v2"
                : "cuEventElapsedTime", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuModuleLoadData = lib.function("cuModuleLoadData", INT_PTR_PTR);
        cuModuleUnload = lib.function("cuModuleUnload", INT_PTR);
        cuModuleGetFunction = lib.function("cuModuleGetFunction",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuLaunchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS), CRITICAL);
        cuLaunchKernelEx = lib.function("cuLaunchKernelEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS), CRITICAL);
        cuStreamBeginCapture = lib.function("cuStreamBeginCapture_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        cuStreamEndCapture = lib.function("cuStreamEndCapture", INT_PTR_PTR);
        cuGraphInstantiate = lib.function("cuGraphInstantiateWithFlags",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
        cuGraphLaunch = lib.function("cuGraphLaunch", INT_PTR_PTR, CRITICAL);
        cuGraphExecDestroy = lib.function("cuGraphExecDestroy", INT_PTR);
        cuGraphDestroy = lib.function("cuGraphDestroy", INT_PTR);
    }

    /**
     * The process-wide driver binding, loaded on first use.
     *
     * @throws IllegalArgumentException
     *             if the library cannot be loaded
     */
    static CudaDriver load(String library) {
        CudaDriver d = instance;
        if (d == null) {
            synchronized (CudaDriver.class) {
                d = instance;
                if (d == null) {
                    d = new CudaDriver(NativeSymbols.load(library));
                    instance = d;
                }
            }
        }
        return d;
    }

    /** The binding made by an earlier {@link #load}, for objects that exist only after availability was proven. */
    static CudaDriver get() {
        CudaDriver d = instance;
        if (d == null) {
            CudaAvailability.ensureAvailability();
            d = instance;
        }
        return d;
    }

    String library() {
        return library;
    }

    void check(String call, int status) {
        if (status != 0) {
            throw new CudaException(call, status, errorName(status));
        }
    }

    String errorName(int status) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) cuGetErrorName.invokeExact(status, out);
            if (rc != 0) {
                return "CUDA error " + status;
            }
            return out.get(ADDRESS, 0).reinterpret(128).getString(0);
        } catch (Throwable t) {
            return "CUDA error " + status;
        }
    }

    // ---- initialisation and devices

    /** cuInit(0); returns the status instead of throwing so that availability can report it. */
    int init() {
        try {
            return (int) cuInit.invokeExact(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int driverVersion() {
        return intOut("cuDriverGetVersion", out -> (int) cuDriverGetVersion.invokeExact(out));
    }

    int deviceCount() {
        return intOut("cuDeviceGetCount", out -> (int) cuDeviceGetCount.invokeExact(out));
    }

    int device(int ordinal) {
        return intOut("cuDeviceGet", out -> (int) cuDeviceGet.invokeExact(out, ordinal));
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            check("cuDeviceGetName", (int) cuDeviceGetName.invokeExact(name, 256, device));
            return name.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int deviceAttribute(int device, int attribute) {
        return intOut("cuDeviceGetAttribute", out -> (int) cuDeviceGetAttribute.invokeExact(out, attribute, device));
    }

    long deviceTotalMemory(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("cuDeviceTotalMem_v2", (int) cuDeviceTotalMem.invokeExact(out, device));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- contexts

    MemorySegment primaryContextRetain(int device) {
        return handleOut("cuDevicePrimaryCtxRetain", out -> (int) cuDevicePrimaryCtxRetain.invokeExact(out, device));
    }

    void primaryContextRelease(int device) {
        call("cuDevicePrimaryCtxRelease_v2", () -> (int) cuDevicePrimaryCtxRelease.invokeExact(device));
    }

    void contextSetCurrent(MemorySegment context) {
        call("cuCtxSetCurrent", () -> (int) cuCtxSetCurrent.invokeExact(context));
    }

    void contextSynchronize() {
        call("cuCtxSynchronize", () -> (int) cuCtxSynchronize.invokeExact());
    }

    /** {free, total} bytes of device memory. */
    long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            check("cuMemGetInfo_v2", (int) cuMemGetInfo.invokeExact(free, total));
            return new long[]{free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- memory

    long memAlloc(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("cuMemAlloc_v2", (int) cuMemAlloc.invokeExact(out, bytes));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void memFree(long pointer) {
        call("cuMemFree_v2", () -> (int) cuMemFree.invokeExact(pointer));
    }

    void memsetD8(long pointer, byte value, long count) {
        call("cuMemsetD8_v2", () -> (int) cuMemsetD8.invokeExact(pointer, value & 0xff, count));
    }

    void memsetD32Async(long pointer, int value, long count, MemorySegment stream) {
        call("cuMemsetD32Async", () -> (int) cuMemsetD32Async.invokeExact(pointer, value, count, stream));
    }

    void copyHostToDevice(long dst, MemorySegment src, long bytes) {
        call("cuMemcpyHtoD_v2", () -> (int) cuMemcpyHtoD.invokeExact(dst, src, bytes));
    }

    void copyDeviceToHost(MemorySegment dst, long src, long bytes) {
        call("cuMemcpyDtoH_v2", () -> (int) cuMemcpyDtoH.invokeExact(dst, src, bytes));
    }

    void copyDeviceToDevice(long dst, long src, long bytes) {
        call("cuMemcpyDtoD_v2", () -> (int) cuMemcpyDtoD.invokeExact(dst, src, bytes));
    }

    void copyHostToDeviceAsync(long dst, MemorySegment src, long bytes, MemorySegment stream) {
        call("cuMemcpyHtoDAsync_v2", () -> (int) cuMemcpyHtoDAsync.invokeExact(dst, src, bytes, stream));
    }

    void copyDeviceToHostAsync(MemorySegment dst, long src, long bytes, MemorySegment stream) {
        call("cuMemcpyDtoHAsync_v2", () -> (int) cuMemcpyDtoHAsync.invokeExact(dst, src, bytes, stream));
    }

    void copyDeviceToDeviceAsync(long dst, long src, long bytes, MemorySegment stream) {
        call("cuMemcpyDtoDAsync_v2", () -> (int) cuMemcpyDtoDAsync.invokeExact(dst, src, bytes, stream));
    }

    MemorySegment memHostAlloc(long bytes, int flags) {
        return handleOut("cuMemHostAlloc", out -> (int) cuMemHostAlloc.invokeExact(out, bytes, flags))
                .reinterpret(bytes);
    }

    void memFreeHost(MemorySegment pointer) {
        call("cuMemFreeHost", () -> (int) cuMemFreeHost.invokeExact(pointer));
    }

    // ---- streams, events, graphs

    MemorySegment streamCreate(int flags) {
        return handleOut("cuStreamCreate", out -> (int) cuStreamCreate.invokeExact(out, flags));
    }

    void streamDestroy(MemorySegment stream) {
        call("cuStreamDestroy_v2", () -> (int) cuStreamDestroy.invokeExact(stream));
    }

    void streamSynchronize(MemorySegment stream) {
        call("cuStreamSynchronize", () -> (int) cuStreamSynchronize.invokeExact(stream));
    }

    MemorySegment eventCreate(int flags) {
        return handleOut("cuEventCreate", out -> (int) cuEventCreate.invokeExact(out, flags));
    }

    void eventDestroy(MemorySegment event) {
        call("cuEventDestroy_v2", () -> (int) cuEventDestroy.invokeExact(event));
    }

    void eventRecord(MemorySegment event, MemorySegment stream) {
        call("cuEventRecord", () -> (int) cuEventRecord.invokeExact(event, stream));
    }

    void eventSynchronize(MemorySegment event) {
        call("cuEventSynchronize", () -> (int) cuEventSynchronize.invokeExact(event));
    }

    float eventElapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check("cuEventElapsedTime", (int) cuEventElapsedTime.invokeExact(out, start, end));
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** mode: 0 global, 1 thread-local, 2 relaxed ({@code CUstreamCaptureMode}). */
    void streamBeginCapture(MemorySegment stream, int mode) {
        call("cuStreamBeginCapture_v2", () -> (int) cuStreamBeginCapture.invokeExact(stream, mode));
    }

    MemorySegment streamEndCapture(MemorySegment stream) {
        return handleOut("cuStreamEndCapture", out -> (int) cuStreamEndCapture.invokeExact(stream, out));
    }

    MemorySegment graphInstantiate(MemorySegment graph) {
        return handleOut("cuGraphInstantiateWithFlags",
                out -> (int) cuGraphInstantiate.invokeExact(out, graph, 0L));
    }

    void graphLaunch(MemorySegment exec, MemorySegment stream) {
        call("cuGraphLaunch", () -> (int) cuGraphLaunch.invokeExact(exec, stream));
    }

    void graphExecDestroy(MemorySegment exec) {
        call("cuGraphExecDestroy", () -> (int) cuGraphExecDestroy.invokeExact(exec));
    }

    void graphDestroy(MemorySegment graph) {
        call("cuGraphDestroy", () -> (int) cuGraphDestroy.invokeExact(graph));
    }

    // ---- modules and launches

    MemorySegment moduleLoadData(MemorySegment image) {
        return handleOut("cuModuleLoadData", out -> (int) cuModuleLoadData.invokeExact(out, image));
    }

    void moduleUnload(MemorySegment module) {
        call("cuModuleUnload", () -> (int) cuModuleUnload.invokeExact(module));
    }

    MemorySegment moduleGetFunction(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cName = arena.allocateFrom(name);
            MemorySegment out = arena.allocate(ADDRESS);
            int rc = (int) cuModuleGetFunction.invokeExact(out, module, cName);
            check("cuModuleGetFunction(" + name + ")", rc);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void launchKernel(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
            int sharedBytes, MemorySegment stream, MemorySegment params) {
        int rc;
        try {
            rc = (int) cuLaunchKernel.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ, sharedBytes,
                    stream, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("cuLaunchKernel", rc);
    }

    /**
     * {@code cuLaunchKernelEx} with programmatic stream serialization (CUDA 12+, used on sm_90+): the kernel may be
     * scheduled while the previous kernel of the stream still runs, as soon as that kernel's blocks have executed
     * {@code griddepcontrol.launch_dependents}; the kernel itself waits for its predecessor with
     * {@code griddepcontrol.wait} (common.cuh's {@code grid_dependency_sync}). Graph capture keeps the relation as a
     * programmatic edge.
     */
    void launchKernelProgrammatic(MemorySegment function, int gridX, int gridY, int gridZ, int blockX, int blockY,
            int blockZ, int sharedBytes, MemorySegment stream, MemorySegment params) {
        MemorySegment config = LAUNCH_CONFIG.get();
        // CUlaunchConfig: 7 unsigned ints, CUstream at 32, CUlaunchAttribute* at 40, numAttrs at 48 (56 bytes)
        config.set(JAVA_INT, 0, gridX);
        config.set(JAVA_INT, 4, gridY);
        config.set(JAVA_INT, 8, gridZ);
        config.set(JAVA_INT, 12, blockX);
        config.set(JAVA_INT, 16, blockY);
        config.set(JAVA_INT, 20, blockZ);
        config.set(JAVA_INT, 24, sharedBytes);
        config.set(ADDRESS, 32, stream);
        int rc;
        try {
            rc = (int) cuLaunchKernelEx.invokeExact(config, function, params, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check("cuLaunchKernelEx", rc);
    }

    private static final int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    private static final long LAUNCH_CONFIG_BYTES = 56;
    private static final long LAUNCH_ATTRIBUTE_BYTES = 72;

    /**
     * A launch configuration per thread with its one attribute filled in once (id at 0, the value union at 8):
     * only grid, block, shared bytes and stream change between launches.
     */
    private static final ThreadLocal<MemorySegment> LAUNCH_CONFIG = ThreadLocal.withInitial(() -> {
        MemorySegment both = Arena.ofAuto().allocate(LAUNCH_CONFIG_BYTES + LAUNCH_ATTRIBUTE_BYTES, 8);
        MemorySegment config = both.asSlice(0, LAUNCH_CONFIG_BYTES);
        MemorySegment attribute = both.asSlice(LAUNCH_CONFIG_BYTES, LAUNCH_ATTRIBUTE_BYTES);
        attribute.set(JAVA_INT, 0, CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
        attribute.set(JAVA_INT, 8, 1); // programmaticStreamSerializationAllowed
        config.set(ADDRESS, 40, attribute);
        config.set(JAVA_INT, 48, 1);
        return config;
    });

    // ---- plumbing

    @FunctionalInterface
    private interface StatusCall {
        int invoke() throws Throwable;
    }

    @FunctionalInterface
    private interface OutCall {
        int invoke(MemorySegment out) throws Throwable;
    }

    private void call(String name, StatusCall c) {
        int rc;
        try {
            rc = c.invoke();
        } catch (Throwable t) {
            throw rethrow(t);
        }
        check(name, rc);
    }

    private int intOut(String name, OutCall c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check(name, c.invoke(out));
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private MemorySegment handleOut(String name, OutCall c) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check(name, c.invoke(out));
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("native call failed", t);
    }
}
