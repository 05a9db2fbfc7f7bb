package io.moeplatform.inference;

import org.jspecify.annotations.Nullable;

/**
 * A LoRA adapter directory cannot be used with the served model: a missing or unreadable file, an unsupported PEFT
 * option, or a tensor whose name, shape or dtype does not fit. The message is safe to show to the client (HTTP 400)
 * and names the field or tensor.
 */
public final class InvalidLoraAdapterException extends RuntimeException {

    private final @Nullable String field;

    public InvalidLoraAdapterException(String message, @Nullable String field) {
        super(message);
        this.field = field;
    }

    public InvalidLoraAdapterException(String message, @Nullable String field, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    /** The adapter_config.json field or tensor name at fault, or null for the directory as a whole. */
    public @Nullable String field() {
        return field;
    }
}
