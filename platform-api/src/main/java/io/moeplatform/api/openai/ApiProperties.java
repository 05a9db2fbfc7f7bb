package io.moeplatform.api.openai;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Settings of the OpenAI-compatible API.
 *
 * @param maxRequestBody largest request body accepted under {@code /v1}; larger ones get 413
 * @param defaultMaxTokens completion tokens per choice when the request names no {@code max_tokens} (capped by
 *     the model's context length)
 */
@ConfigurationProperties("platform.api")
public record ApiProperties(@DefaultValue("4MB") DataSize maxRequestBody, @DefaultValue("512") int defaultMaxTokens) {}
