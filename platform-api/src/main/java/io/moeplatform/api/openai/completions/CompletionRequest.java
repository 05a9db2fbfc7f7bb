package io.moeplatform.api.openai.completions;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.api.openai.SamplingFields;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** The body of {@code POST /v1/completions}; unknown fields are ignored. */
@JsonIgnoreProperties(ignoreUnknown = true)
record CompletionRequest(@Nullable String model, @Nullable JsonNode prompt, @Nullable Double temperature,
        @JsonProperty("top_p") @Nullable Double topP, @JsonProperty("top_k") @Nullable Integer topK,
        @JsonProperty("min_p") @Nullable Double minP, @JsonProperty("max_tokens") @Nullable Integer maxTokens,
        @Nullable Integer n, @Nullable JsonNode stop, @Nullable Long seed,
        @JsonProperty("presence_penalty") @Nullable Double presencePenalty,
        @JsonProperty("frequency_penalty") @Nullable Double frequencyPenalty,
        @JsonProperty("repetition_penalty") @Nullable Double repetitionPenalty, @Nullable Integer logprobs,
        @Nullable Boolean echo, @Nullable String suffix, @JsonProperty("best_of") @Nullable Integer bestOf,
        @Nullable String user, @Nullable Boolean stream,
        @JsonProperty("stream_options") @Nullable StreamOptions streamOptions, @Nullable String adapter) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    record StreamOptions(@JsonProperty("include_usage") @Nullable Boolean includeUsage) {}

    SamplingFields sampling() {
        return new SamplingFields(temperature, topP, topK, minP, seed, presencePenalty, frequencyPenalty,
                repetitionPenalty);
    }

    boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    boolean includeUsage() {
        return streamOptions != null && Boolean.TRUE.equals(streamOptions.includeUsage());
    }
}
