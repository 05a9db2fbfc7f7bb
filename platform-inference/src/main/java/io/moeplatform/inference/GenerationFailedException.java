package io.moeplatform.inference;

/**
 * The engine failed while generating (HTTP 500); the cause is logged with the
 * request id, not sent.
 */
public final class GenerationFailedException extends InferenceException {
    public GenerationFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
