package io.moeplatform.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageQueryService;
import io.moeplatform.inference.ChatMessage;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ChatCompletionsIntegrationTests extends PlatformTest {

    @Autowired
    UsageQueryService usage;

    private static final String HELLO = """
            {"model":"moe-demo","messages":[{"role":"system","content":"Be brief."},
             {"role":"user","content":[{"type":"text","text":"Hello"}]}],
             "max_tokens":6,"temperature":0,"some_future_field":{"x":1}}""";

    @Test
    void answersChatCompletionFieldByFieldAndMetersOnce() {
        var tenant = tenant(UNLIMITED);
        var response = api.post("/v1/chat/completions", tenant.key(), HELLO);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = ApiClient.json(response.body());
        String id = body.get("id").asString();
        assertThat(id).startsWith("chatcmpl-");
        assertThat(body.get("object").asString()).isEqualTo("chat.completion");
        assertThat(body.get("created").asLong()).isCloseTo(System.currentTimeMillis() / 1000, within(60));
        assertThat(body.get("model").asString()).isEqualTo("moe-demo");
        assertThat(body.get("system_fingerprint").asString()).startsWith("fp_");
        JsonNode choice = body.get("choices").get(0);
        assertThat(body.get("choices").size()).isEqualTo(1);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("message").get("role").asString()).isEqualTo("assistant");
        assertThat(choice.get("message").get("content").isString()).isTrue();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asString()).isIn("stop", "length");
        JsonNode usageBody = body.get("usage");
        int promptTokens = usageBody.get("prompt_tokens").asInt();
        int completionTokens = usageBody.get("completion_tokens").asInt();
        assertThat(promptTokens).isEqualTo(
                chatTokens(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hello")));
        assertThat(completionTokens).isBetween(1, 6);
        assertThat(usageBody.get("total_tokens").asInt()).isEqualTo(promptTokens + completionTokens);
        assertThat(usageBody.get("prompt_tokens_details").get("cached_tokens").asInt()).isNotNegative();
        assertThat(response.headers().firstValue("x-request-id")).hasValue(id);

        var record = usage.find(tenant.id(), id).orElseThrow();
        assertThat(record.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(record.promptTokens()).isEqualTo(promptTokens);
        assertThat(record.completionTokens()).isEqualTo(completionTokens);
        assertThat(record.streamed()).isFalse();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertThat(usage.daily(tenant.id(), today, today)).singleElement()
                .satisfies(day -> assertThat(day.requests()).isEqualTo(1));
    }

    @Test
    void streamsChunksExactlyAsOpenAi() {
        var tenant = tenant(UNLIMITED);
        var response = api.post("/v1/chat/completions", tenant.key(), """
                {"model":"moe-demo","messages":[{"role":"user","content":"Hi"}],"max_tokens":5,
                 "stream":true,"stream_options":{"include_usage":true}}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/event-stream");
        List<String> events = ApiClient.events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(ApiClient::json).toList();
        String id = chunks.getFirst().get("id").asString();
        long created = chunks.getFirst().get("created").asLong();
        assertThat(id).startsWith("chatcmpl-");
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("id").asString()).isEqualTo(id);
            assertThat(chunk.get("created").asLong()).isEqualTo(created);
            assertThat(chunk.get("object").asString()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("model").asString()).isEqualTo("moe-demo");
        }
        JsonNode first = chunks.getFirst().get("choices").get(0);
        assertThat(first.get("delta").get("role").asString()).isEqualTo("assistant");
        assertThat(first.get("finish_reason").isNull()).isTrue();

        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices").isEmpty()).isTrue();
        int completionTokens = usageChunk.get("usage").get("completion_tokens").asInt();
        assertThat(completionTokens).isBetween(1, 5);

        List<JsonNode> content = chunks.subList(1, chunks.size() - 1);
        assertThat(content).isNotEmpty();
        for (int i = 0; i < content.size(); i++) {
            JsonNode choice = content.get(i).get("choices").get(0);
            assertThat(choice.get("delta").has("role")).isFalse();
            assertThat(choice.get("finish_reason").isNull()).isEqualTo(i < content.size() - 1);
            assertThat(content.get(i).has("usage")).isFalse();
        }
        assertThat(content.getLast().get("choices").get(0).get("finish_reason").asString()).isIn("stop", "length");

        var record = usage.find(tenant.id(), id).orElseThrow();
        assertThat(record.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(record.completionTokens()).isEqualTo(completionTokens);
        assertThat(record.streamed()).isTrue();
    }

    @Test
    void returnsChatLogprobsWithAlternatives() {
        var tenant = tenant(UNLIMITED);
        var response = api.post("/v1/chat/completions", tenant.key(), """
                {"model":"moe-demo","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,
                 "logprobs":true,"top_logprobs":2}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = ApiClient.json(response.body());
        JsonNode content = body.get("choices").get(0).get("logprobs").get("content");
        assertThat(content.size()).isEqualTo(body.get("usage").get("completion_tokens").asInt());
        JsonNode first = content.get(0);
        assertThat(first.get("token").isString()).isTrue();
        assertThat(first.get("logprob").asDouble()).isNotPositive();
        assertThat(first.get("bytes").isArray()).isTrue();
        assertThat(first.get("top_logprobs")).hasSize(2);
        assertThat(first.get("top_logprobs").get(0).get("logprob").asDouble())
                .isGreaterThanOrEqualTo(first.get("top_logprobs").get(1).get("logprob").asDouble());
    }

    private static org.assertj.core.data.Offset<Long> within(long seconds) {
        return org.assertj.core.data.Offset.offset(seconds);
    }
}
