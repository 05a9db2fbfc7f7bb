package io.moeplatform.inference;

/**
 * The queue is full or the request waited longer than the queue time limit
 * (HTTP 503).
 */
public final class EngineOverloadedException extends InferenceException {
    public EngineOverloadedException(String message) {
        super(message);
    }
}
