package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Bindings to cuBLAS ({@code libcublas.so.13}) through FFM: handle lifecycle, stream binding and the two mixed
 * precision GEMMs the engine needs. Statuses become {@link CudaException}s named by {@code cublasGetStatusName}.
 */
final class CublasLibrary {

    /** cublasOperation_t. */
    static final int OP_N = 0;
    static final int OP_T = 1;
    /** cudaDataType_t. */
    static final int R_32F = 0;
    static final int R_16BF = 14;
    /** cublasComputeType_t: fp32 accumulation. */
    static final int COMPUTE_32F = 68;
    /** cublasGemmAlgo_t: let cuBLAS choose. */
    static final int GEMM_DEFAULT = -1;

    private static volatile CublasLibrary instance;

    private final String library;
    private final MethodHandle cublasGetStatusName;
    private final MethodHandle cublasCreate;
    private final MethodHandle cublasDestroy;
    private final MethodHandle cublasSetStream;
    private final MethodHandle cublasGemmEx;
    private final MethodHandle cublasGemmStridedBatchedEx;
    private final MethodHandle cublasGemmBatchedEx;

    private CublasLibrary(NativeSymbols lib) {
        library = lib.library();
        cublasGetStatusName = lib.function("cublasGetStatusName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        cublasCreate = lib.function("cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cublasDestroy = lib.function("cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        cublasSetStream = lib.function("cublasSetStream_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // handle, transa, transb, m, n, k, alpha*, A, Atype, lda, B, Btype, ldb, beta*, C, Ctype, ldc, compute, algo
        cublasGemmEx = lib.function("cublasGemmEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                        JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT,
                        JAVA_INT, JAVA_INT, JAVA_INT));
        // as above with a long long stride after each matrix's leading dimension, then batchCount
        cublasGemmStridedBatchedEx = lib.function("cublasGemmStridedBatchedEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                        JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS,
                        JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
        // as cublasGemmEx, but A, B and C are device arrays of device pointers, then batchCount
        cublasGemmBatchedEx = lib.function("cublasGemmBatchedEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS,
                        JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT,
                        JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /**
     * Loads the first candidate that the dynamic loader accepts.
     *
     * @throws IllegalArgumentException
     *             naming every candidate tried, if none loads
     */
    static CublasLibrary load(List<String> candidates) {
        CublasLibrary c = instance;
        if (c != null) {
            return c;
        }
        synchronized (CublasLibrary.class) {
            if (instance != null) {
                return instance;
            }
            List<String> failures = new ArrayList<>();
            for (String candidate : candidates) {
                try {
                    instance = new CublasLibrary(NativeSymbols.load(candidate));
                    return instance;
                } catch (IllegalArgumentException e) {
                    failures.add(candidate);
                }
            }
            throw new IllegalArgumentException(String.join(", ", failures));
        }
    }

    static CublasLibrary get() {
        CublasLibrary c = instance;
        if (c == null) {
            CudaAvailability.ensureAvailability();
            c = instance;
        }
        return c;
    }

    String library() {
        return library;
    }

    void check(String call, int status) {
        if (status != 0) {
            String name;
            try {
                name = ((MemorySegment) cublasGetStatusName.invokeExact(status)).reinterpret(128).getString(0);
            } catch (Throwable t) {
                name = "CUBLAS status " + status;
            }
            throw new CudaException(call, status, name);
        }
    }

    MemorySegment create(MemorySegment handleOut) {
        try {
            check("cublasCreate_v2", (int) cublasCreate.invokeExact(handleOut));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
        return handleOut.get(ADDRESS, 0);
    }

    void destroy(MemorySegment handle) {
        try {
            check("cublasDestroy_v2", (int) cublasDestroy.invokeExact(handle));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check("cublasSetStream_v2", (int) cublasSetStream.invokeExact(handle, stream));
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** Column-major C = alpha op(A) op(B) + beta C, as cuBLAS defines it; alpha and beta are host fp32. */
    void gemmEx(MemorySegment handle, int transA, int transB, int m, int n, int k, MemorySegment alpha, long a,
            int aType, int lda, long b, int bType, int ldb, MemorySegment beta, long c, int cType, int ldc) {
        int rc;
        try {
            rc = (int) cublasGemmEx.invokeExact(handle, transA, transB, m, n, k, alpha, a, aType, lda, b, bType,
                    ldb, beta, c, cType, ldc, COMPUTE_32F, GEMM_DEFAULT);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
        check("cublasGemmEx", rc);
    }

    void gemmStridedBatchedEx(MemorySegment handle, int transA, int transB, int m, int n, int k,
            MemorySegment alpha, long a, int aType, int lda, long strideA, long b, int bType, int ldb, long strideB,
            MemorySegment beta, long c, int cType, int ldc, long strideC, int batch) {
        int rc;
        try {
            rc = (int) cublasGemmStridedBatchedEx.invokeExact(handle, transA, transB, m, n, k, alpha, a, aType, lda,
                    strideA, b, bType, ldb, strideB, beta, c, cType, ldc, strideC, batch, COMPUTE_32F, GEMM_DEFAULT);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
        check("cublasGemmStridedBatchedEx", rc);
    }

    void gemmBatchedEx(MemorySegment handle, int transA, int transB, int m, int n, int k, MemorySegment alpha,
            long aArray, int aType, int lda, long bArray, int bType, int ldb, MemorySegment beta, long cArray,
            int cType, int ldc, int batch) {
        int rc;
        try {
            rc = (int) cublasGemmBatchedEx.invokeExact(handle, transA, transB, m, n, k, alpha, aArray, aType, lda,
                    bArray, bType, ldb, beta, cArray, cType, ldc, batch, COMPUTE_32F, GEMM_DEFAULT);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
        check("cublasGemmBatchedEx", rc);
    }
}
