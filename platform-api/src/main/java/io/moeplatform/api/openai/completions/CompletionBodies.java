package io.moeplatform.api.openai.completions;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.api.openai.UsageBody;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The response shapes of {@code /v1/completions} (object {@code text_completion}, also for stream chunks). */
final class CompletionBodies {

    private CompletionBodies() {}

    record Completion(String id, String object, long created, String model,
            @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable UsageBody usage) {}

    record Choice(String text, int index, @Nullable Logprobs logprobs,
            @JsonProperty("finish_reason") @Nullable String finishReason) {}

    /** The legacy completions logprobs: parallel arrays per token. */
    record Logprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Float> tokenLogprobs,
            @JsonProperty("top_logprobs") List<Map<String, Float>> topLogprobs,
            @JsonProperty("text_offset") List<Integer> textOffset) {}
}
