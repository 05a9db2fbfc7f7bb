package io.moeplatform.api.openai;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.inference.Usage;

/** OpenAI's {@code usage} object. */
public record UsageBody(@JsonProperty("prompt_tokens") int promptTokens,
        @JsonProperty("completion_tokens") int completionTokens, @JsonProperty("total_tokens") int totalTokens,
        @JsonProperty("prompt_tokens_details") Details promptTokensDetails) {

    public record Details(@JsonProperty("cached_tokens") int cachedTokens) {}

    public static UsageBody of(Usage usage) {
        return new UsageBody(usage.promptTokens(), usage.completionTokens(), usage.totalTokens(),
                new Details(usage.cachedPromptTokens()));
    }
}
