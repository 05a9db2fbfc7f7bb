package io.moeplatform.api.openai.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.api.openai.UsageBody;
import io.moeplatform.inference.TokenLogprob;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The response shapes of {@code /v1/chat/completions}, field by field as OpenAI sends them. */
final class ChatCompletionBodies {

    private ChatCompletionBodies() {}

    record Completion(String id, String object, long created, String model,
            @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices, UsageBody usage) {}

    record Choice(int index, Message message, @Nullable Logprobs logprobs,
            @JsonProperty("finish_reason") @Nullable String finishReason) {}

    record Message(String role, String content) {}

    /** A streamed chunk; {@code usage} is null except in the final usage chunk. */
    record Chunk(String id, String object, long created, String model,
            @JsonProperty("system_fingerprint") String systemFingerprint, List<ChunkChoice> choices,
            @JsonInclude(JsonInclude.Include.NON_ABSENT) @Nullable UsageBody usage) {}

    record ChunkChoice(int index, Delta delta, @Nullable Logprobs logprobs,
            @JsonProperty("finish_reason") @Nullable String finishReason) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(@Nullable String role, @Nullable String content) {}

    record Logprobs(List<TokenEntry> content) {}

    record TokenEntry(String token, float logprob, int[] bytes,
            @JsonProperty("top_logprobs") List<TopEntry> topLogprobs) {

        static TokenEntry of(TokenLogprob logprob) {
            return new TokenEntry(logprob.token(), logprob.logprob(), unsigned(logprob.bytes()), logprob.top().stream()
                    .map(top -> new TopEntry(top.token(), top.logprob(), unsigned(top.bytes()))).toList());
        }
    }

    record TopEntry(String token, float logprob, int[] bytes) {}

    /** OpenAI sends token bytes as a list of integers 0..255. */
    static int[] unsigned(byte[] bytes) {
        int[] values = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            values[i] = bytes[i] & 0xff;
        }
        return values;
    }
}
