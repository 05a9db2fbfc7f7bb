package io.moeplatform.inference;

/**
 * Base of the engine's typed failures; the message is safe to show to the API
 * client.
 */
public abstract sealed class InferenceException extends RuntimeException permits InvalidGenerationRequestException,
        ModelNotFoundException, EngineOverloadedException, GenerationFailedException {

    protected InferenceException(String message) {
        super(message);
    }

    protected InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
