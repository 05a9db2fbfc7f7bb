package io.moeplatform.inference.cuda;

/**
 * A CUDA driver or cuBLAS call returned an error status.
 *
 * @see #call()
 * @see #errorName()
 */
public final class CudaException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String call;
    private final int status;
    private final String errorName;

    CudaException(String call, int status, String errorName) {
        super(call + " failed: " + errorName + " (" + status + ")");
        this.call = call;
        this.status = status;
        this.errorName = errorName;
    }

    /** The native function that failed, e.g. {@code cuMemAlloc_v2}. */
    public String call() {
        return call;
    }

    /** The numeric status ({@code CUresult} or {@code cublasStatus_t}). */
    public int status() {
        return status;
    }

    /** The status's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public String errorName() {
        return errorName;
    }
}
