package io.moeplatform.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class UsageIntegrationTests extends PlatformTest {

    private static final String TODAY = LocalDate.now(ZoneOffset.UTC).toString();

    private String completionId(String key, String prompt) {
        var response = api.post("/v1/completions", key,
                "{\"model\":\"moe-demo\",\"prompt\":\"" + prompt + "\",\"max_tokens\":2}");
        assertThat(response.statusCode()).isEqualTo(200);
        return ApiClient.json(response.body()).get("id").asString();
    }

    @Test
    void showsEachTenantOnlyItsOwnUsage() {
        var a = tenant(UNLIMITED);
        var b = tenant(UNLIMITED);
        completionId(a.key(), "abc");
        String idOfB = completionId(b.key(), "from b");
        completionId(b.key(), "again b");

        JsonNode usageOfA = ApiClient
                .json(api.get("/v1/usage?from=" + TODAY + "&to=" + TODAY, a.key()).body());
        assertThat(usageOfA.get("object").asString()).isEqualTo("list");
        assertThat(usageOfA.get("data")).hasSize(1);
        JsonNode row = usageOfA.get("data").get(0);
        assertThat(row.get("date").asString()).isEqualTo(TODAY);
        assertThat(row.get("model").asString()).isEqualTo("moe-demo");
        assertThat(row.get("requests").asLong()).isEqualTo(1);
        assertThat(row.get("prompt_tokens").asLong()).isEqualTo(tokens("abc"));
        assertThat(row.has("cost")).isTrue();

        var csvOfA = api.get("/v1/usage/export.csv?from=" + TODAY + "&to=" + TODAY, a.key());
        assertThat(csvOfA.statusCode()).isEqualTo(200);
        assertThat(csvOfA.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/csv");
        assertThat(csvOfA.body().lines().count()).isEqualTo(2);
        assertThat(csvOfA.body()).doesNotContain(idOfB).doesNotContain(b.id().toString());

        JsonNode usageOfB = ApiClient.json(api.get("/v1/usage", b.key()).body());
        assertThat(usageOfB.get("data").get(0).get("requests").asLong()).isEqualTo(2);
    }

    @Test
    void rejectsAnInvertedPeriod() {
        var a = tenant(UNLIMITED);
        var response = api.get("/v1/usage?from=2026-02-02&to=2026-02-01", a.key());
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(ApiClient.json(response.body()).get("error").get("param").asString()).isEqualTo("from");
    }
}
