package io.moeplatform.adapters.catalog;

import org.jspecify.annotations.Nullable;

/**
 * A refused adapter operation, with a message for the client and the reason an API maps to a status (404, 400,
 * 409, or 400 for a feature this server does not offer).
 */
public class AdapterException extends RuntimeException {

    public enum Reason {
        NOT_FOUND, INVALID, CONFLICT, UNAVAILABLE
    }

    private final Reason reason;
    private final @Nullable String param;

    public AdapterException(Reason reason, String message, @Nullable String param) {
        super(message);
        this.reason = reason;
        this.param = param;
    }

    public static AdapterException notFound(String name) {
        return new AdapterException(Reason.NOT_FOUND,
                "The adapter '" + name + "' does not exist; create it first or check the name.", "adapter");
    }

    public static AdapterException invalid(String message, @Nullable String param) {
        return new AdapterException(Reason.INVALID, message, param);
    }

    public Reason reason() {
        return reason;
    }

    public @Nullable String param() {
        return param;
    }
}
