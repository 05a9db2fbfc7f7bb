package io.moeplatform.api.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.inference.ChatMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/** Every error status of the API from a real HTTP call, with OpenAI's exact error body. */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ErrorResponsesIntegrationTests extends PlatformTest {

    private static final String CHAT = "/v1/chat/completions";

    private static String chat(String model, String extra) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]" + extra + "}";
    }

    private static void assertError(HttpResponse<String> response, int status, String body) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
        assertThat(ApiClient.json(response.body())).isEqualTo(ApiClient.json(body));
    }

    @Test
    void rejectsMissingKey() {
        assertError(api.post(CHAT, null, chat("moe-demo", "")), 401, """
                {"error":{"message":"You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.",
                 "type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");
    }

    @Test
    void rejectsUnknownKeyWithoutEchoingIt() {
        var response = api.post(CHAT, "sk-not-a-real-key-0123456789abcdef0123456789", chat("moe-demo", ""));
        assertError(response, 401,
                """
                        {"error":{"message":"Incorrect API key provided. The key is unknown, revoked or expired, or its tenant is suspended; ask your administrator for a valid key.",
                         "type":"invalid_request_error","param":null,"code":"invalid_api_key"}}""");
        assertThat(response.body()).doesNotContain("sk-not-a-real-key");
    }

    @Test
    void rejectsRevokedKey() throws InterruptedException {
        var tenant = tenant(UNLIMITED);
        assertThat(api.get("/v1/models", tenant.key()).statusCode()).isEqualTo(200);
        keys.revoke(keys.list(tenant.id()).getFirst().keyId(), "test");
        HttpResponse<String> response = api.get("/v1/models", tenant.key());
        for (int i = 0; i < 100 && response.statusCode() == 200; i++) {
            Thread.sleep(100);
            response = api.get("/v1/models", tenant.key());
        }
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(ApiClient.json(response.body()).get("error").get("code").asString()).isEqualTo("invalid_api_key");
    }

    @Test
    void acceptsTheApiKeyHeader() {
        var tenant = tenant(UNLIMITED);
        var response = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/models"))
                .header("api-key", tenant.key()).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
        var models = ApiClient.json(response.body());
        assertThat(models.get("object").asString()).isEqualTo("list");
        assertThat(models.get("data").get(0).get("id").asString()).isEqualTo("moe-demo");
        assertThat(models.get("data").get(0).get("object").asString()).isEqualTo("model");
        assertThat(models.get("data").get(0).get("owned_by").asString()).isEqualTo("moe-platform");
    }

    @Test
    void refusesModelTheTenantMayNotUse() {
        var tenant = tenant(new TenantPlan(0, 0, 0, 0, 0, Set.of("other-model"), 1));
        assertError(api.post(CHAT, tenant.key(), chat("moe-demo", "")), 403, """
                {"error":{"message":"Model 'moe-demo' is not allowed for this tenant; allowed: other-model",
                 "type":"permission_error","param":"model","code":"model_not_allowed"}}""");
    }

    @Test
    void answersUnknownModelWith404() {
        var tenant = tenant(UNLIMITED);
        assertError(api.post(CHAT, tenant.key(), chat("gpt-17", "")), 404, """
                {"error":{"message":"The model 'gpt-17' does not exist","type":"invalid_request_error",
                 "param":"model","code":"model_not_found"}}""");
    }

    @Test
    void namesTheInvalidParameter() {
        var tenant = tenant(UNLIMITED);
        assertError(api.post(CHAT, tenant.key(), chat("moe-demo", ",\"temperature\":3")), 400, """
                {"error":{"message":"temperature must be between 0.0 and 2.0; got 3.0.",
                 "type":"invalid_request_error","param":"temperature","code":"invalid_value"}}""");
        assertError(api.post(CHAT, tenant.key(), chat("moe-demo", ",\"n\":0")), 400, """
                {"error":{"message":"n must be between 1 and 16; got 0.",
                 "type":"invalid_request_error","param":"n","code":"invalid_value"}}""");
        assertError(api.post(CHAT, tenant.key(), "{\"model\":\"moe-demo\",\"messages\":[]}"), 400, """
                {"error":{"message":"messages must be a non-empty array of {\\"role\\", \\"content\\"} objects.",
                 "type":"invalid_request_error","param":"messages","code":"invalid_value"}}""");
        var wrongType = api.post(CHAT, tenant.key(), chat("moe-demo", ",\"max_tokens\":\"many\""));
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(ApiClient.json(wrongType.body()).get("error").get("param").asString()).isEqualTo("max_tokens");
        assertError(api.post(CHAT, tenant.key(), "{\"model\": "), 400,
                """
                        {"error":{"message":"The request body is not valid JSON. Send a JSON object as described in the API reference.",
                         "type":"invalid_request_error","param":null,"code":"invalid_json"}}""");
    }

    @Test
    void refusesPromptsBeyondTheContext() {
        var tenant = tenant(UNLIMITED);
        int context = inference.codec("moe-demo").contextLength();
        int prompt = chatTokens(new ChatMessage("user", "Hi"));
        assertError(api.post(CHAT, tenant.key(), chat("moe-demo", ",\"max_completion_tokens\":" + context)), 400,
                """
                        {"error":{"message":"This model's maximum context length is %d tokens. However, you requested %d prompt tokens plus %d completion tokens. Please reduce the length of the messages or of max_completion_tokens.",
                         "type":"invalid_request_error","param":"max_completion_tokens","code":"context_length_exceeded"}}"""
                        .formatted(context, prompt, context));
    }

    @Test
    void refusesBodiesOverTheLimit() {
        var tenant = tenant(UNLIMITED);
        String huge = "x".repeat(4 * 1024 * 1024 + 1);
        assertError(api.post(CHAT, tenant.key(), chat("moe-demo", ",\"padding\":\"" + huge + "\"")), 413,
                """
                        {"error":{"message":"The request body is larger than the limit of 4194304 bytes; send a shorter prompt or fewer messages",
                         "type":"invalid_request_error","param":null,"code":"request_too_large"}}""");
    }

    @Test
    void answersExhaustedBudgetWith429AndNoRetry() {
        int needed = chatTokens(new ChatMessage("user", "Hi")) + 10;
        var tenant = tenant(new TenantPlan(needed - 1, 0, 0, 0, 0, Set.of(), 1));
        var response = api.post(CHAT, tenant.key(), chat("moe-demo", ",\"max_tokens\":10"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow())).isPositive();
        var error = ApiClient.json(response.body()).get("error");
        assertThat(error.get("type").asString()).isEqualTo("rate_limit_error");
        assertThat(error.get("code").asString()).isEqualTo("insufficient_quota");
        assertThat(error.get("message").asString())
                .startsWith("The daily token budget of " + (needed - 1) + " tokens does not have " + needed);
    }

    @Test
    void answersRateLimitWith429AndRetryAfter() throws InterruptedException {
        var tenant = tenant(new TenantPlan(0, 0, 1, 0, 0, Set.of(), 1));
        // the rate is counted in fixed one-minute windows: both requests must land in the same one
        var now = Instant.now();
        var nextMinute = now.truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        if (Duration.between(now, nextMinute).compareTo(Duration.ofSeconds(15)) < 0) {
            Thread.sleep(Duration.between(now, nextMinute).plusMillis(200));
        }
        assertThat(api.post(CHAT, tenant.key(), chat("moe-demo", ",\"max_tokens\":1")).statusCode()).isEqualTo(200);
        var response = api.post(CHAT, tenant.key(), chat("moe-demo", ",\"max_tokens\":1"));
        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("x-should-retry")).isEmpty();
        assertThat(Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 60L);
        assertThat(ApiClient.json(response.body()).get("error").get("code").asString())
                .isEqualTo("rate_limit_exceeded");
    }

    @Test
    void answersOverloadedEngineWith503() throws Exception {
        var tenant = tenant(UNLIMITED);
        var responses = new ArrayList<Future<HttpResponse<String>>>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 24; i++) {
                responses.add(pool.submit(
                        () -> api.post(CHAT, tenant.key(), chat("moe-demo", ",\"max_tokens\":64"))));
            }
        }
        List<HttpResponse<String>> overloaded = new ArrayList<>();
        for (var response : responses) {
            if (response.get().statusCode() == 503) {
                overloaded.add(response.get());
            } else {
                assertThat(response.get().statusCode()).isEqualTo(200);
            }
        }
        assertThat(overloaded).isNotEmpty();
        var error = ApiClient.json(overloaded.getFirst().body()).get("error");
        assertThat(error.get("type").asString()).isEqualTo("overloaded_error");
        assertThat(error.get("code").asString()).isEqualTo("engine_overloaded");
        assertThat(overloaded.getFirst().headers().firstValue("Retry-After")).hasValue("1");
    }
}
