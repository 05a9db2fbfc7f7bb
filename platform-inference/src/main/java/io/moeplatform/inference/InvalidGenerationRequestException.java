package io.moeplatform.inference;

import org.jspecify.annotations.Nullable;

/**
 * The request cannot be served as given (HTTP 400).
 *
 * @see #param() the offending request field, e.g. {@code max_tokens}, or null
 * @see #code() a machine-readable code, e.g. {@code context_length_exceeded},
 *      or null
 */
public final class InvalidGenerationRequestException extends InferenceException {
    private final @Nullable String param;
    private final @Nullable String code;

    public InvalidGenerationRequestException(String message, @Nullable String param, @Nullable String code) {
        super(message);
        this.param = param;
        this.code = code;
    }

    public @Nullable String param() {
        return param;
    }

    public @Nullable String code() {
        return code;
    }
}
