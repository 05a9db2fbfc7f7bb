package io.moeplatform.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.api.pipeline.Generation;
import io.moeplatform.inference.Usage;
import org.jspecify.annotations.Nullable;

/**
 * OpenAI's {@code usage} object. With an adapter it also carries our extension {@code injected_tokens}: the prompt
 * tokens a knowledge-graph adapter injected (counted in {@code prompt_tokens}); absent without an adapter.
 */
public record UsageBody(@JsonProperty("prompt_tokens") int promptTokens,
        @JsonProperty("completion_tokens") int completionTokens, @JsonProperty("total_tokens") int totalTokens,
        @JsonProperty("prompt_tokens_details") Details promptTokensDetails,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("injected_tokens") @Nullable Integer injectedTokens) {

    public record Details(@JsonProperty("cached_tokens") int cachedTokens) {}

    public static UsageBody of(Usage usage, Generation generation) {
        return new UsageBody(usage.promptTokens(), usage.completionTokens(), usage.totalTokens(),
                new Details(usage.cachedPromptTokens()),
                generation.adapter() == null ? null : generation.injectedTokens());
    }
}
