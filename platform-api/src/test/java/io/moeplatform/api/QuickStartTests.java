package io.moeplatform.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.testing.ApiClient;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;

/**
 * The zero-setup start: no database configured means an H2 file database under the data directory, the bootstrap
 * key of the stable contract works at once, the demo model is created under the data directory and served, and the
 * contract's property names resolve with their defaults.
 */
class QuickStartTests {

    private static final String KEY = "quick-start-bootstrap-key-0123456789abcdef";

    @Test
    void startsOnAnEmbeddedDatabaseUnderTheDataDirectory(@TempDir Path dataDir) {
        try (var context = new SpringApplicationBuilder(PlatformApplication.class)
                .run("--server.port=0", "--platform.data-dir=" + dataDir, "--platform.bootstrap.api-key=" + KEY,
                        "--spring.main.banner-mode=off", "--platform.inference.threads=1")) {
            var environment = context.getEnvironment();
            assertThat(environment.getProperty("spring.datasource.url")).startsWith("jdbc:h2:file:" + dataDir);
            assertThat(environment.getProperty("platform.inference.device")).isEqualTo("auto");
            assertThat(environment.getProperty("platform.inference.model-path")).isEmpty();
            assertThat(environment.getProperty("spring.threads.virtual.enabled")).isEqualTo("true");
            assertThat(environment.getProperty("spring.jpa.open-in-view")).isEqualTo("false");
            assertThat(Files.exists(dataDir.resolve("db/platform.mv.db"))).isTrue();
            assertThat(Files.isDirectory(dataDir.resolve("models/moe-demo"))).as("demo model under the data dir")
                    .isTrue();

            var api = new ApiClient(((WebServerApplicationContext) context).getWebServer().getPort());
            var response = api.post("/v1/chat/completions", KEY,
                    "{\"model\":\"moe-demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":2}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(ApiClient.json(api.get("/v1/usage", KEY).body()).get("data").get(0).get("requests").asLong())
                    .isEqualTo(1);
        }
    }
}
