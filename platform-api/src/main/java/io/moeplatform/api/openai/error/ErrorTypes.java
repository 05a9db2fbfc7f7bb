package io.moeplatform.api.openai.error;

/** The {@code type} values of OpenAI error bodies that we send. */
public final class ErrorTypes {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String AUTHENTICATION = "authentication_error";
    public static final String PERMISSION = "permission_error";
    public static final String NOT_FOUND = "not_found_error";
    public static final String RATE_LIMIT = "rate_limit_error";
    public static final String SERVER = "server_error";
    public static final String OVERLOADED = "overloaded_error";

    private ErrorTypes() {}
}
