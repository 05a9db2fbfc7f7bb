package io.moeplatform.api.pipeline;

import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.StopConditions;
import org.jspecify.annotations.Nullable;

/**
 * One API request in the engine's terms, validated field by field by the endpoint.
 *
 * @param requestId also the response id ({@code chatcmpl-...}) and the metering key
 * @param promptParam the request field that holds the prompt, named in errors ({@code messages} or {@code prompt})
 * @param sampling sampling with {@code maxTokens} as asked, or 0 when the client named none (the pipeline then
 *     picks the default, capped by the context)
 * @param maxTokensParam the field the client used for the token limit, named in errors
 * @param model the served (base) model
 * @param adapter the adapter the client named (model suffix {@code <base>:<adapter>} or the {@code adapter}
 *     field), or null for the tenant's default
 */
public record InferenceInput(String requestId, String model, PromptInput prompt, String promptParam,
        SamplingParams sampling, String maxTokensParam, StopConditions stop, int n, boolean streamed,
        @Nullable String user, @Nullable String adapter) {}
