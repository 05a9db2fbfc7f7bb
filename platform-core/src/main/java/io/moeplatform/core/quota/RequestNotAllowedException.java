package io.moeplatform.core.quota;

import org.jspecify.annotations.Nullable;

/**
 * The tenant may not make this request at all (HTTP 403, or 400 when {@link #param()} names a request field).
 */
public class RequestNotAllowedException extends RuntimeException {
    private final @Nullable String param;
    private final String code;

    public RequestNotAllowedException(String message, String code, @Nullable String param) {
        super(message);
        this.code = code;
        this.param = param;
    }

    /** Machine-readable reason, e.g. {@code model_not_allowed}, {@code tenant_suspended}. */
    public String code() {
        return code;
    }

    /** The request field at fault (e.g. {@code max_tokens}), or null. */
    public @Nullable String param() {
        return param;
    }
}
