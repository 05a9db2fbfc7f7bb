package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A cuBLAS handle bound to one stream, with the engine's GEMMs in row-major terms. Weights are stored as HF stores
 * them, {@code W [n, k]} (out features by in features), so a linear layer is {@code Y [m, n] = X [m, k] · Wᵀ}.
 * cuBLAS is column-major: a row-major {@code [r, c]} matrix is its column-major transpose, so we ask for
 * {@code Yᵀ = W · Xᵀ} with {@code op(W) = T}: m'=n, n'=m, k'=k, lda=k, ldb=k, ldc=n. Inputs bf16, accumulation
 * fp32 ({@code CUBLAS_COMPUTE_32F}), output bf16 or fp32.
 */
public final class CublasHandle implements AutoCloseable {

    private final CublasLibrary cublas;
    // shared: the engine loop may call from another thread than the one that loaded the model
    private final Arena arena = Arena.ofShared();
    private final MemorySegment handle;
    private final MemorySegment alpha;
    private final MemorySegment beta;
    private boolean closed;

    private CublasHandle(CublasLibrary cublas, CudaStream stream) {
        this.cublas = cublas;
        this.handle = cublas.create(arena.allocate(ADDRESS));
        this.alpha = arena.allocate(JAVA_FLOAT);
        this.beta = arena.allocate(JAVA_FLOAT);
        cublas.setStream(handle, stream.handle());
    }

    /**
     * A handle whose work goes to {@code stream}, using the primary context current on this thread. Use it from one
     * thread at a time (any thread on which the context is current).
     */
    public static CublasHandle create(CudaContext context, CudaStream stream) {
        context.bindToCurrentThread();
        return new CublasHandle(CublasLibrary.get(), stream);
    }

    /** Binds later work to another stream. */
    public void setStream(CudaStream stream) {
        cublas.setStream(handle(), stream.handle());
    }

    /**
     * {@code y [m, n] = x [m, k] · w [n, k]ᵀ} (row-major), bf16 inputs, fp32 accumulation.
     *
     * @param fp32Output
     *            {@code y} is fp32 when true (router and lm_head logits), bf16 otherwise
     */
    public void linear(DeviceMemory x, DeviceMemory w, DeviceMemory y, int m, int n, int k, boolean fp32Output) {
        checkSize("x", x, (long) m * k * 2);
        checkSize("w", w, (long) n * k * 2);
        checkSize("y", y, (long) m * n * (fp32Output ? 4 : 2));
        setScalars(1f, 0f);
        cublas.gemmEx(handle(), CublasLibrary.OP_T, CublasLibrary.OP_N, n, m, k, alpha, w.address(),
                CublasLibrary.R_16BF, k, x.address(), CublasLibrary.R_16BF, k, beta, y.address(),
                fp32Output ? CublasLibrary.R_32F : CublasLibrary.R_16BF, n);
    }

    /**
     * {@code y[i] [m, n] = x[i] [m, k] · w[i] [n, k]ᵀ} for {@code i < batch}, each operand a stack of equal matrices
     * {@code stride} elements apart (e.g. per-expert weights {@code [experts, n, k]}), bf16 in, fp32 accumulation.
     */
    public void linearBatched(DeviceMemory x, long strideX, DeviceMemory w, long strideW, DeviceMemory y, long strideY,
            int m, int n, int k, int batch, boolean fp32Output) {
        checkSize("x", x, ((batch - 1) * strideX + (long) m * k) * 2);
        checkSize("w", w, ((batch - 1) * strideW + (long) n * k) * 2);
        checkSize("y", y, ((batch - 1) * strideY + (long) m * n) * (fp32Output ? 4 : 2));
        setScalars(1f, 0f);
        cublas.gemmStridedBatchedEx(handle(), CublasLibrary.OP_T, CublasLibrary.OP_N, n, m, k, alpha, w.address(),
                CublasLibrary.R_16BF, k, strideW, x.address(), CublasLibrary.R_16BF, k, strideX, beta, y.address(),
                fp32Output ? CublasLibrary.R_32F : CublasLibrary.R_16BF, n, strideY, batch);
    }

    /**
     * {@code y[i] [m, n] = x[i] [m, k] · w[i] [n, k]ᵀ} for {@code i < batch}, bf16 in and out, fp32 accumulation,
     * with the operands anywhere: {@code wPointers}, {@code xPointers}, {@code yPointers} are device arrays of
     * {@code batch} device addresses (the experts' own weight matrices, for example).
     */
    public void linearPointerBatched(DeviceMemory xPointers, DeviceMemory wPointers, DeviceMemory yPointers, int m,
            int n, int k, int batch) {
        checkSize("xPointers", xPointers, batch * 8L);
        checkSize("wPointers", wPointers, batch * 8L);
        checkSize("yPointers", yPointers, batch * 8L);
        setScalars(1f, 0f);
        cublas.gemmBatchedEx(handle(), CublasLibrary.OP_T, CublasLibrary.OP_N, n, m, k, alpha, wPointers.address(),
                CublasLibrary.R_16BF, k, xPointers.address(), CublasLibrary.R_16BF, k, beta, yPointers.address(),
                CublasLibrary.R_16BF, n, batch);
    }

    private void setScalars(float a, float b) {
        // Host pointer mode: cuBLAS reads alpha/beta while the call enqueues, also under graph capture.
        alpha.set(JAVA_FLOAT, 0, a);
        beta.set(JAVA_FLOAT, 0, b);
    }

    private static void checkSize(String name, DeviceMemory m, long bytes) {
        if (m.byteSize() < bytes) {
            throw new IllegalArgumentException(
                    name + " holds " + m.byteSize() + " bytes but the GEMM shape needs " + bytes);
        }
    }

    private MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException("cuBLAS handle already destroyed");
        }
        return handle;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                cublas.destroy(handle);
            } finally {
                arena.close();
            }
        }
    }
}
