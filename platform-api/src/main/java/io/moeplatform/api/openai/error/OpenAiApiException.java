package io.moeplatform.api.openai.error;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** A failure the API reports to the client as it is: status, OpenAI error type, offending field and code. */
public class OpenAiApiException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final @Nullable String param;
    private final @Nullable String code;

    public OpenAiApiException(HttpStatus status, String message, String type, @Nullable String param,
            @Nullable String code) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 naming the request field the client must change. */
    public static OpenAiApiException invalidParameter(String param, String message) {
        return new OpenAiApiException(HttpStatus.BAD_REQUEST, message, ErrorTypes.INVALID_REQUEST, param,
                "invalid_value");
    }

    public HttpStatus status() {
        return status;
    }

    public OpenAiError body() {
        return OpenAiError.of(getMessage(), type, param, code);
    }
}
