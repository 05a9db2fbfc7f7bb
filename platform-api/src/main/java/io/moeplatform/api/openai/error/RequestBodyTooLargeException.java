package io.moeplatform.api.openai.error;

import java.io.IOException;

/** The request body is larger than {@code platform.api.max-request-body} (HTTP 413). */
public class RequestBodyTooLargeException extends IOException {

    public RequestBodyTooLargeException(long limitBytes) {
        super("The request body is larger than the limit of " + limitBytes
                + " bytes; send a shorter prompt or fewer messages");
    }
}
