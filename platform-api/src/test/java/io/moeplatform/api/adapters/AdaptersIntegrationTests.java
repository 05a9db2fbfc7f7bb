package io.moeplatform.api.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.apikey.ApiKeyService;
import io.moeplatform.inference.ChatMessage;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * Knowledge-graph adapters end to end on the real application and the demo model: administered over
 * {@code /v1/adapters} with an {@code adapters:write} key, used by model name, the {@code adapter} field or the
 * tenant default; the injected text is exactly what the preview shows and what the model's prompt contains.
 */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdaptersIntegrationTests extends PlatformTest {

    static final String GRAPH = """
            {"entities": [
              {"id": "cmb", "name": "招商银行", "aliases": ["CMB"], "type": "Bank", "attributes": {"founded": 1987}},
              {"id": "card", "name": "信用卡", "aliases": ["credit card"], "type": "Product"},
              {"id": "rule", "name": "逾期管理规定", "type": "Regulation", "attributes": {"grace_days": 3}}
            ],
            "relations": [
              {"source": "cmb", "target": "card", "type": "offers", "weight": 0.9},
              {"source": "card", "target": "rule", "type": "governed_by"}
            ]}""";
    static final String QUESTION = "招商银行的信用卡逾期了怎么办？";

    @Autowired
    JdbcClient jdbc;

    record Admin(Tenant tenant, String adminKey) {}

    /** A tenant with an inference key and an adapters key, and a knowledge-graph adapter "bank" with a graph. */
    private Admin tenantWithBankAdapter() {
        var tenant = tenant(UNLIMITED);
        String adminKey = keys.issue(tenant.id(), "admin", Set.of(ApiKeyService.SCOPE_ADAPTERS), null, "test")
                .secret();
        var created = api.post("/v1/adapters", adminKey, "{\"name\": \"bank\", \"kind\": \"knowledge_graph\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        var uploaded = upload(adminKey, "bank", "application/json", GRAPH);
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        return new Admin(tenant, adminKey);
    }

    private HttpResponse<String> upload(String key, String adapter, String contentType, String body) {
        return api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/adapters/" + adapter + "/graph"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", contentType).PUT(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private HttpResponse<String> send(String method, String path, String key, String body) {
        return api.send(HttpRequest.newBuilder(URI.create(api.base() + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static JsonNode json(HttpResponse<String> response) {
        return ApiClient.json(response.body());
    }

    private JsonNode preview(String adminKey) {
        var preview = api.post("/v1/adapters/bank/preview", adminKey,
                "{\"messages\": [{\"role\": \"user\", \"content\": \"" + QUESTION + "\"}]}");
        assertThat(preview.statusCode()).as(preview.body()).isEqualTo(200);
        return json(preview);
    }

    @Test
    void chatCompletionWithAdapterInjectsExactlyWhatThePreviewShows() {
        var admin = tenantWithBankAdapter();
        JsonNode preview = preview(admin.adminKey());
        String injected = preview.get("injected_text").asString();
        assertThat(injected).isEqualTo("""
                Knowledge base "bank" (use these facts when they are relevant):
                Entities:
                - 招商银行 [Bank]: aliases: CMB; founded: 1987
                - 信用卡 [Product]: aliases: credit card
                Facts:
                - 信用卡 -[governed_by]-> 逾期管理规定
                - 招商银行 -[offers]-> 信用卡""");
        assertThat(preview.get("injected_tokens").asInt()).isEqualTo(tokens(injected));
        assertThat(preview.get("linked_entities")).extracting(e -> e.get("name").asString())
                .containsExactly("招商银行", "信用卡");
        assertThat(preview.get("facts")).hasSize(2);
        assertThat(preview.get("messages").get(0).get("role").asString()).isEqualTo("system");

        var response = api.post("/v1/chat/completions", admin.tenant().key(), """
                {"model": "moe-demo:bank", "max_tokens": 3,
                 "messages": [{"role": "user", "content": "%s"}]}""".formatted(QUESTION));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("x-moe-adapter")).contains("bank");
        assertThat(response.headers().firstValue("x-moe-injected-tokens"))
                .contains(Integer.toString(tokens(injected)));
        JsonNode usage = json(response).get("usage");
        // the model's prompt is the chat template over the injected system message and the question
        assertThat(usage.get("prompt_tokens").asInt())
                .isEqualTo(chatTokens(new ChatMessage("system", injected), new ChatMessage("user", QUESTION)));
        assertThat(usage.get("injected_tokens").asInt()).isEqualTo(tokens(injected));

        var event = jdbc.sql("SELECT adapter, injected_tokens, prompt_tokens FROM usage_event WHERE request_id = ?")
                .param(json(response).get("id").asString())
                .query((rs, n) -> new Object[]{rs.getString(1), rs.getInt(2), rs.getInt(3)}).single();
        assertThat(event).containsExactly("bank", tokens(injected), usage.get("prompt_tokens").asInt());
    }

    @Test
    void adapterFieldAndTenantDefaultSelectTheAdapterToo() {
        var admin = tenantWithBankAdapter();
        var completion = api.post("/v1/completions", admin.tenant().key(),
                "{\"model\": \"moe-demo\", \"adapter\": \"bank\", \"prompt\": \"CMB credit card\", \"max_tokens\": 2}");
        assertThat(completion.statusCode()).as(completion.body()).isEqualTo(200);
        assertThat(completion.headers().firstValue("x-moe-adapter")).contains("bank");
        int injected = Integer.parseInt(completion.headers().firstValue("x-moe-injected-tokens").orElseThrow());
        assertThat(injected).isPositive();
        assertThat(json(completion).get("usage").get("prompt_tokens").asInt())
                .isGreaterThan(tokens("CMB credit card") + injected - 1);

        var streamed = api.post("/v1/chat/completions", admin.tenant().key(), """
                {"model": "moe-demo:bank", "max_tokens": 2, "stream": true, "stream_options": {"include_usage": true},
                 "messages": [{"role": "user", "content": "%s"}]}""".formatted(QUESTION));
        assertThat(streamed.statusCode()).isEqualTo(200);
        assertThat(streamed.headers().firstValue("x-moe-adapter")).contains("bank");
        var events = ApiClient.events(streamed.body());
        JsonNode usageChunk = ApiClient.json(events.get(events.size() - 2));
        assertThat(usageChunk.get("usage").get("injected_tokens").asInt())
                .isEqualTo(preview(admin.adminKey()).get("injected_tokens").asInt());

        var plain = "{\"model\": \"moe-demo\", \"max_tokens\": 2, \"messages\": [{\"role\": \"user\", \"content\": \""
                + QUESTION + "\"}]}";
        var before = api.post("/v1/chat/completions", admin.tenant().key(), plain);
        assertThat(before.headers().firstValue("x-moe-adapter")).isEmpty();
        assertThat(json(before).get("usage").has("injected_tokens")).isFalse();

        var setDefault = send("PUT", "/v1/default-adapter", admin.adminKey(), "{\"adapter\": \"bank\"}");
        assertThat(setDefault.statusCode()).as(setDefault.body()).isEqualTo(200);
        var after = api.post("/v1/chat/completions", admin.tenant().key(), plain);
        assertThat(after.headers().firstValue("x-moe-adapter")).contains("bank");
        assertThat(json(after).get("usage").get("injected_tokens").asInt())
                .isEqualTo(preview(admin.adminKey()).get("injected_tokens").asInt());

        assertThat(send("DELETE", "/v1/default-adapter", admin.adminKey(), "").statusCode()).isEqualTo(200);
        assertThat(api.post("/v1/chat/completions", admin.tenant().key(), plain).headers()
                .firstValue("x-moe-adapter")).isEmpty();
    }

    @Test
    void modelsListTheTenantsEnabledAdaptersOnly() {
        var admin = tenantWithBankAdapter();
        var other = tenant(UNLIMITED);
        assertThat(json(api.get("/v1/models", admin.tenant().key())).get("data"))
                .extracting(m -> m.get("id").asString()).contains("moe-demo", "moe-demo:bank");
        assertThat(json(api.get("/v1/models/moe-demo:bank", admin.tenant().key())).get("parent").asString())
                .isEqualTo("moe-demo");
        assertThat(json(api.get("/v1/models", other.key())).get("data")).extracting(m -> m.get("id").asString())
                .doesNotContain("moe-demo:bank");

        var disabled = send("PATCH", "/v1/adapters/bank", admin.adminKey(), "{\"enabled\": false}");
        assertThat(json(disabled).get("enabled").asBoolean()).isFalse();
        assertThat(json(api.get("/v1/models", admin.tenant().key())).get("data"))
                .extracting(m -> m.get("id").asString()).doesNotContain("moe-demo:bank");
        var refused = api.post("/v1/chat/completions", admin.tenant().key(),
                "{\"model\": \"moe-demo:bank\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(json(refused).get("error").get("message").asString()).contains("disabled");
    }

    @Test
    void anotherTenantCanNeitherUseNorAdministerTheGraph() {
        var admin = tenantWithBankAdapter();
        var other = tenant(UNLIMITED);
        String otherAdmin = keys.issue(other.id(), "admin", Set.of(ApiKeyService.SCOPE_ADAPTERS), null, "t")
                .secret();
        var used = api.post("/v1/chat/completions", other.key(),
                "{\"model\": \"moe-demo:bank\", \"messages\": [{\"role\": \"user\", \"content\": \"招商银行\"}]}");
        assertThat(used.statusCode()).isEqualTo(404);
        assertThat(json(used).get("error").get("code").asString()).isEqualTo("adapter_not_found");
        assertThat(api.get("/v1/adapters/bank", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(api.post("/v1/adapters/bank/preview", otherAdmin, "{\"prompt\": \"招商银行\"}").statusCode())
                .isEqualTo(404);
        assertThat(upload(otherAdmin, "bank", "text/csv", "a,b,c\n").statusCode()).isEqualTo(404);
        assertThat(json(api.get("/v1/adapters", otherAdmin)).get("data")).isEmpty();
        assertThat(json(api.get("/v1/adapters/bank", admin.adminKey())).get("graph").get("entities").asInt())
                .isEqualTo(3);
    }

    @Test
    void administrationNeedsTheAdaptersScopeAndReportsBadInputClearly() {
        var admin = tenantWithBankAdapter();
        var withInferenceKey = api.get("/v1/adapters", admin.tenant().key());
        assertThat(withInferenceKey.statusCode()).isEqualTo(403);
        assertThat(json(withInferenceKey).get("error").get("message").asString()).contains("adapters:write");
        assertThat(api.post("/v1/chat/completions", admin.adminKey(),
                "{\"model\": \"moe-demo\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}").statusCode())
                .isEqualTo(403);

        var duplicate = api.post("/v1/adapters", admin.adminKey(), "{\"name\": \"bank\"}");
        assertThat(duplicate.statusCode()).isEqualTo(409);
        assertThat(api.post("/v1/adapters", admin.adminKey(), "{\"name\": \"Bad Name\"}").statusCode())
                .isEqualTo(400);

        // as curl --data-binary sends it: form content type, format named in the query
        var malformed = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/adapters/bank/graph?format=csv"))
                .header("Authorization", "Bearer " + admin.adminKey())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .PUT(HttpRequest.BodyPublishers.ofString("a,knows,b\na,knows\n")).build());
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(json(malformed).get("error").get("message").asString()).contains("line 2");
        var versions = json(api.get("/v1/adapters/bank/graph/versions", admin.adminKey())).get("data");
        assertThat(versions).extracting(v -> v.get("status").asString()).containsExactly("failed", "ready");
        assertThat(versions.get(1).get("active").asBoolean()).isTrue();

        var turtle = upload(admin.adminKey(), "bank", "text/plain", """
                @prefix ex: <http://example.com/> .
                ex:cmb <http://www.w3.org/2000/01/rdf-schema#label> "招商银行" ; ex:offers ex:card .
                """);
        assertThat(turtle.statusCode()).isEqualTo(415);
        var byParameter = api
                .send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/adapters/bank/graph?format=turtle"))
                        .header("Authorization", "Bearer " + admin.adminKey()).header("Content-Type", "text/plain")
                        .PUT(HttpRequest.BodyPublishers.ofString("""
                                @prefix ex: <http://example.com/> .
                                ex:cmb <http://www.w3.org/2000/01/rdf-schema#label> "招商银行" ; ex:offers ex:card .
                                """)).build());
        assertThat(byParameter.statusCode()).as(byParameter.body()).isEqualTo(201);
        assertThat(json(byParameter).get("version").asInt()).isEqualTo(3);
        assertThat(json(api.get("/v1/adapters/bank", admin.adminKey())).get("graph").get("active_version").asInt())
                .isEqualTo(3);

        var lora = api.post("/v1/adapters", admin.adminKey(), "{\"name\": \"style\", \"kind\": \"lora\"}");
        assertThat(lora.statusCode()).isEqualTo(201);
        var loraUse = api.post("/v1/chat/completions", admin.tenant().key(),
                "{\"model\": \"moe-demo:style\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}");
        assertThat(loraUse.statusCode()).isEqualTo(400);
        assertThat(json(loraUse).get("error").get("message").asString()).isEqualTo(
                "The LoRA adapter 'style' has no weights yet; upload them with PUT /v1/adapters/style/lora.");

        var deleted = send("DELETE", "/v1/adapters/bank", admin.adminKey(), "");
        assertThat(deleted.statusCode()).isEqualTo(200);
        assertThat(api.get("/v1/adapters/bank", admin.adminKey()).statusCode()).isEqualTo(404);
    }
}
