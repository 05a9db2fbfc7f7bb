package io.moeplatform.inference.cuda;

/** The CUDA backend cannot run on this machine; the message says why and what to change. */
public final class CudaUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CudaUnavailableException(String message) {
        super(message);
    }

    CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
