package io.moeplatform.api.openai.error;

import org.jspecify.annotations.Nullable;

/**
 * OpenAI's error body: {@code {"error":{"message","type","param","code"}}}. SDKs read {@code code} and the HTTP
 * status, so both are part of our API.
 */
public record OpenAiError(Body error) {

    public record Body(String message, String type, @Nullable String param, @Nullable String code) {}

    public static OpenAiError of(String message, String type, @Nullable String param, @Nullable String code) {
        return new OpenAiError(new Body(message, type, param, code));
    }
}
