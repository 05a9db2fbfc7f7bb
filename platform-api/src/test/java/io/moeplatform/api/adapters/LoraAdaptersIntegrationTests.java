package io.moeplatform.api.adapters;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.adapters.lora.LoraFiles;
import io.moeplatform.adapters.testing.DemoLoraAdapter;
import io.moeplatform.adapters.testing.Generations;
import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.apikey.ApiKeyService;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * LoRA adapters end to end on the real application and the demo model: a PEFT adapter zipped and uploaded over
 * {@code PUT /v1/adapters/{name}/lora}, validated by the engine, then applied to chat completions that name it.
 */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class LoraAdaptersIntegrationTests extends PlatformTest {

    static final String QUESTION = "What does the contract say about late payments?";

    @Autowired
    JdbcClient jdbc;
    @Autowired
    LoraFiles files;

    record Admin(Tenant tenant, String adminKey) {}

    private Admin tenantWithLoraAdapter(String name) {
        var tenant = tenant(UNLIMITED);
        String adminKey = keys.issue(tenant.id(), "admin", Set.of(ApiKeyService.SCOPE_ADAPTERS), null, "test")
                .secret();
        var created = api.post("/v1/adapters", adminKey, "{\"name\": \"" + name + "\", \"kind\": \"lora\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return new Admin(tenant, adminKey);
    }

    private HttpResponse<String> upload(String key, String adapter, byte[] zip) {
        return api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/adapters/" + adapter + "/lora"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/zip").PUT(HttpRequest.BodyPublishers.ofByteArray(zip)).build());
    }

    private HttpResponse<String> chat(String key, String model) {
        return api.post("/v1/chat/completions", key, """
                {"model": "%s", "temperature": 0, "max_tokens": 12,
                 "messages": [{"role": "user", "content": "%s"}]}""".formatted(model, QUESTION));
    }

    private static JsonNode json(HttpResponse<String> response) {
        return ApiClient.json(response.body());
    }

    private static String content(HttpResponse<String> response) {
        return json(response).get("choices").get(0).get("message").get("content").asString();
    }

    private UUID adapterId(Admin admin, String name) {
        return UUID.fromString(json(api.get("/v1/adapters/" + name, admin.adminKey())).get("id").asString());
    }

    private int rows(UUID adapterId) {
        return jdbc.sql("SELECT COUNT(*) FROM lora_adapter WHERE adapter_id = ?").param(adapterId)
                .query(Integer.class).single();
    }

    @Test
    void uploadedAdapterChangesTheCompletionExactlyAsTheEngineAppliesIt() throws Exception {
        var admin = tenantWithLoraAdapter("legal");
        var adapter = DemoLoraAdapter.attention(4, 42);
        byte[] weights = adapter.files().get("adapter_model.safetensors");
        var uploaded = upload(admin.adminKey(), "legal", adapter.zip());
        assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
        JsonNode version = json(uploaded);
        assertThat(version.get("object").asString()).isEqualTo("adapter.lora_version");
        assertThat(version.get("version").asInt()).isEqualTo(1);
        assertThat(version.get("base_model").asString()).isEqualTo(MODEL);
        assertThat(version.get("rank").asInt()).isEqualTo(4);
        assertThat(version.get("alpha").asDouble()).isEqualTo(8.0);
        assertThat(version.get("target_modules")).extracting(JsonNode::asString)
                .containsExactly("q_proj", "k_proj", "v_proj", "o_proj");
        assertThat(version.get("sha256").asString())
                .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(weights)));
        JsonNode stats = json(api.get("/v1/adapters/legal", admin.adminKey())).get("lora");
        assertThat(stats.get("version").asInt()).isEqualTo(1);
        assertThat(stats.get("size_bytes").asLong()).isEqualTo(version.get("size_bytes").asLong());
        assertThat(json(api.get("/v1/adapters/legal/lora", admin.adminKey())).get("rank").asInt()).isEqualTo(4);

        var base = chat(admin.tenant().key(), MODEL);
        var adapted = chat(admin.tenant().key(), MODEL + ":legal");
        assertThat(adapted.statusCode()).as(adapted.body()).isEqualTo(200);
        assertThat(adapted.headers().firstValue("x-moe-adapter")).contains("legal");
        assertThat(content(adapted)).isNotEqualTo(content(base));

        // the engine given the same files directly, without the platform, says the same
        String directId = "direct-" + UUID.randomUUID();
        inference.registerLoraAdapter(MODEL, directId, adapter.writeTo(Files.createTempDirectory("direct-lora")));
        assertThat(content(adapted))
                .isEqualTo(Generations.text(Generations.greedyChat(inference, MODEL, QUESTION, 12, directId)));

        String adapterOfUsage = jdbc.sql("SELECT adapter FROM usage_event WHERE request_id = ?")
                .param(json(adapted).get("id").asString()).query(String.class).single();
        assertThat(adapterOfUsage).isEqualTo("legal");
    }

    @Test
    void invalidUploadsGet400NamingTheFaultAndStoreNothing() {
        var admin = tenantWithLoraAdapter("broken");
        UUID adapterId = adapterId(admin, "broken");
        var tooHighRank = DemoLoraAdapter.attention(4, 1)
                .withConfig(DemoLoraAdapter.config(4).replace("\"r\": 4", "\"r\": 128"));
        String kProjB = "base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight";
        var wrongShape = DemoLoraAdapter.attention(4, 1).tensor(kProjB, new long[]{256, 4}, new SplittableRandom(1),
                0.1f);
        var weightsOnly = new LinkedHashMap<String, byte[]>();
        weightsOnly.put("my-adapter/adapter_model.safetensors",
                DemoLoraAdapter.attention(4, 1).files().get("adapter_model.safetensors"));
        record Case(byte[] upload, String param, String message) {}
        for (Case c : List.of(new Case(tooHighRank.zip(), "r", "r is 128 but this engine accepts ranks up to 64"),
                new Case(wrongShape.zip(), kProjB, "has shape [256, 4] but the served model needs [128, 4]"),
                new Case(DemoLoraAdapter.zip(weightsOnly), "adapter_config.json",
                        "The zip holds no adapter_config.json"),
                new Case("{\"r\": 4}".getBytes(), "file", "not a readable zip archive"))) {
            var refused = upload(admin.adminKey(), "broken", c.upload());
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
            JsonNode error = json(refused).get("error");
            assertThat(error.get("param").asString()).isEqualTo(c.param());
            assertThat(error.get("code").asString()).isEqualTo("invalid_adapter");
            assertThat(error.get("message").asString()).contains(c.message());
        }
        assertThat(rows(adapterId)).isZero();
        assertThat(files.adapterDirectory(admin.tenant().id(), adapterId)).doesNotExist();
        assertThat(api.get("/v1/adapters/broken/lora", admin.adminKey()).statusCode()).isEqualTo(404);
        assertThat(json(api.get("/v1/adapters/broken", admin.adminKey())).has("lora")).isFalse();
    }

    @Test
    void anotherTenantCanNeitherSeeUseNorDeleteTheAdapter() {
        var owner = tenantWithLoraAdapter("private");
        assertThat(upload(owner.adminKey(), "private", DemoLoraAdapter.attention(4, 3).zip()).statusCode())
                .isEqualTo(201);
        var other = tenant(UNLIMITED);
        String otherAdmin = keys.issue(other.id(), "admin", Set.of(ApiKeyService.SCOPE_ADAPTERS), null, "t")
                .secret();

        var used = chat(other.key(), MODEL + ":private");
        assertThat(used.statusCode()).isEqualTo(404);
        assertThat(json(used).get("error").get("code").asString()).isEqualTo("adapter_not_found");
        assertThat(api.get("/v1/adapters/private/lora", otherAdmin).statusCode()).isEqualTo(404);
        assertThat(upload(otherAdmin, "private", DemoLoraAdapter.attention(4, 4).zip()).statusCode())
                .isEqualTo(404);
        assertThat(api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/adapters/private"))
                .header("Authorization", "Bearer " + otherAdmin).DELETE().build()).statusCode()).isEqualTo(404);

        assertThat(chat(owner.tenant().key(), MODEL + ":private").statusCode()).isEqualTo(200);
        assertThat(json(api.get("/v1/adapters/private/lora", owner.adminKey())).get("version").asInt())
                .isEqualTo(1);
    }

    @Test
    void deletedAdapterIsGoneWithItsFiles() {
        var admin = tenantWithLoraAdapter("temp");
        assertThat(upload(admin.adminKey(), "temp", DemoLoraAdapter.attention(4, 5).zip()).statusCode())
                .isEqualTo(201);
        UUID adapterId = adapterId(admin, "temp");
        assertThat(chat(admin.tenant().key(), MODEL + ":temp").statusCode()).isEqualTo(200);
        assertThat(files.adapterDirectory(admin.tenant().id(), adapterId).resolve("1/adapter_model.safetensors"))
                .exists();

        var deleted = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/v1/adapters/temp"))
                .header("Authorization", "Bearer " + admin.adminKey()).DELETE().build());
        assertThat(deleted.statusCode()).isEqualTo(200);

        assertThat(rows(adapterId)).isZero();
        assertThat(files.adapterDirectory(admin.tenant().id(), adapterId)).doesNotExist();
        var used = chat(admin.tenant().key(), MODEL + ":temp");
        assertThat(used.statusCode()).isEqualTo(404);
        assertThat(json(used).get("error").get("code").asString()).isEqualTo("adapter_not_found");
    }
}
