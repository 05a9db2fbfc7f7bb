package io.moeplatform.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageQueryService;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/** {@code /v1/completions} with each prompt shape OpenAI accepts, streamed and not. */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class CompletionsIntegrationTests extends PlatformTest {

    @Autowired
    UsageQueryService usage;

    private JsonNode complete(String key, String prompt, String extra) {
        var response = api.post("/v1/completions", key,
                "{\"model\":\"moe-demo\",\"prompt\":" + prompt + ",\"max_tokens\":3" + extra + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ApiClient.json(response.body());
    }

    @Test
    void completesAStringPrompt() {
        var tenant = tenant(UNLIMITED);
        JsonNode body = complete(tenant.key(), "\"Once upon\"", "");
        assertThat(body.get("id").asString()).startsWith("cmpl-");
        assertThat(body.get("object").asString()).isEqualTo("text_completion");
        assertThat(body.get("choices")).hasSize(1);
        JsonNode choice = body.get("choices").get(0);
        assertThat(choice.get("index").asInt()).isZero();
        assertThat(choice.get("text").isString()).isTrue();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.get("finish_reason").asString()).isIn("stop", "length");
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens("Once upon"));
        var record = usage.find(tenant.id(), body.get("id").asString()).orElseThrow();
        assertThat(record.completionTokens()).isEqualTo(body.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void completesAnArrayOfStringsAsOneChoicePerPromptAndN() {
        var tenant = tenant(UNLIMITED);
        JsonNode body = complete(tenant.key(), "[\"ab\",\"cde\"]", ",\"n\":2,\"temperature\":0");
        assertThat(body.get("choices")).hasSize(4);
        for (int i = 0; i < 4; i++) {
            assertThat(body.get("choices").get(i).get("index").asInt()).isEqualTo(i);
        }
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens("ab") + tokens("cde"));
        var record = usage.find(tenant.id(), body.get("id").asString()).orElseThrow();
        assertThat(record.outcome()).isEqualTo(Outcome.COMPLETED);
        assertThat(record.promptTokens()).isEqualTo(tokens("ab") + tokens("cde"));
    }

    @Test
    void completesTokenIdPromptsAndMatchesTheTextPrompt() {
        var tenant = tenant(UNLIMITED);
        String text = complete(tenant.key(), "\"Hello\"", ",\"temperature\":0").get("choices").get(0).get("text")
                .asString();
        String hello = ids("Hello");
        JsonNode ids = complete(tenant.key(), hello, ",\"temperature\":0");
        assertThat(ids.get("choices").get(0).get("text").asString()).isEqualTo(text);
        assertThat(ids.get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens("Hello"));
        JsonNode batch = complete(tenant.key(), "[" + hello + "," + ids("Hi") + "]", ",\"temperature\":0");
        assertThat(batch.get("choices")).hasSize(2);
        assertThat(batch.get("choices").get(0).get("text").asString()).isEqualTo(text);
        assertThat(batch.get("usage").get("prompt_tokens").asInt()).isEqualTo(tokens("Hello") + tokens("Hi"));
    }

    private String ids(String text) {
        return java.util.Arrays.toString(inference.codec("moe-demo").encode(text)).replace(" ", "");
    }

    @Test
    void rejectsTokenIdsOutsideTheVocabulary() {
        var tenant = tenant(UNLIMITED);
        var response = api.post("/v1/completions", tenant.key(), "{\"model\":\"moe-demo\",\"prompt\":[1,999999]}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(ApiClient.json(response.body()).get("error").get("param").asString()).isEqualTo("prompt");
    }

    @Test
    void returnsLegacyLogprobs() {
        var tenant = tenant(UNLIMITED);
        JsonNode logprobs = complete(tenant.key(), "\"Hi\"", ",\"logprobs\":2").get("choices").get(0)
                .get("logprobs");
        int tokens = logprobs.get("tokens").size();
        assertThat(tokens).isPositive();
        assertThat(logprobs.get("token_logprobs")).hasSize(tokens);
        assertThat(logprobs.get("text_offset")).hasSize(tokens);
        assertThat(logprobs.get("top_logprobs").get(0).size()).isBetween(1, 2);
        assertThat(logprobs.get("token_logprobs").get(0).asDouble()).isNegative();
    }

    @Test
    void streamsTextCompletionChunks() {
        var tenant = tenant(UNLIMITED);
        var response = api.post("/v1/completions", tenant.key(), """
                {"model":"moe-demo","prompt":"Hi","max_tokens":4,"stream":true,
                 "stream_options":{"include_usage":true}}""");
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> events = ApiClient.events(response.body());
        assertThat(events.getLast()).isEqualTo("[DONE]");
        List<JsonNode> chunks = events.subList(0, events.size() - 1).stream().map(ApiClient::json).toList();
        String id = chunks.getFirst().get("id").asString();
        for (JsonNode chunk : chunks) {
            assertThat(chunk.get("id").asString()).isEqualTo(id);
            assertThat(chunk.get("object").asString()).isEqualTo("text_completion");
        }
        JsonNode usageChunk = chunks.getLast();
        assertThat(usageChunk.get("choices").isEmpty()).isTrue();
        List<JsonNode> text = chunks.subList(0, chunks.size() - 1);
        assertThat(text.getLast().get("choices").get(0).get("finish_reason").asString()).isIn("stop", "length");
        text.subList(0, text.size() - 1)
                .forEach(chunk -> assertThat(chunk.get("choices").get(0).get("finish_reason").isNull()).isTrue());
        assertThat(usage.find(tenant.id(), id).orElseThrow().completionTokens())
                .isEqualTo(usageChunk.get("usage").get("completion_tokens").asInt());
    }
}
