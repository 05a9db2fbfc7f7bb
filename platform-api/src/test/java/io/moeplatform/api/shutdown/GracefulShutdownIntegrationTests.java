package io.moeplatform.api.shutdown;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Stopping the application while a generation streams: new generations get a retryable 503 and readiness goes
 * down at once, the stream in flight runs to its normal end, and only then does the application finish closing.
 * Its own application context, because closing it is the point.
 */
class GracefulShutdownIntegrationTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    private static final String KEY = "graceful-shutdown-test-key-0123456789abcdef";
    private static final String STREAM = """
            {"model":"moe-demo","prompt":"Tell me a very long story","max_tokens":3000,"stream":true,"seed":7}""";

    @Test
    void drainsGenerationsInFlightAndRefusesNewOnes(@TempDir java.nio.file.Path dataDir) throws Exception {
        var args = new ArrayList<>(List.of("--server.port=0", "--platform.data-dir=" + dataDir,
                "--platform.bootstrap.api-key=" + KEY, "--spring.main.banner-mode=off",
                "--platform.inference.threads=1", "--platform.shutdown.drain-timeout=60s"));
        db.springProperties().forEach((name, value) -> args.add("--" + name + "=" + value));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(PlatformApplication.class)
                .run(args.toArray(String[]::new));
        var api = new ApiClient(((WebServerApplicationContext) context).getWebServer().getPort());
        var drain = context.getBean(GenerationDrain.class);

        var stream = api.postStreaming("/v1/completions", KEY, STREAM);
        assertThat(stream.statusCode()).isEqualTo(200);
        var lines = stream.body().iterator();
        assertThat(lines.next()).startsWith("data: {");

        var closed = CompletableFuture.runAsync(context::close);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!drain.isDraining()) {
            assertThat(System.nanoTime()).as("the drain begins when the context closes").isLessThan(deadline);
            Thread.onSpinWait();
        }
        var refused = api.post("/v1/completions", KEY, """
                {"model":"moe-demo","prompt":"Hello","max_tokens":2}""");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(ApiClient.json(refused.body()).get("error").get("code").asString())
                .isEqualTo("server_shutting_down");
        assertThat(api.get("/actuator/health/readiness", null).statusCode()).isEqualTo(503);
        assertThat(closed).as("closing waits for the stream in flight").isNotDone();

        String last = "";
        String finishReason = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("data: ")) {
                last = line;
                if (line.contains("\"finish_reason\":\"")) {
                    finishReason = ApiClient.json(line.substring(6)).get("choices").get(0).get("finish_reason")
                            .asString();
                }
            }
        }
        assertThat(last).isEqualTo("data: [DONE]");
        assertThat(finishReason).isIn("stop", "length");
        closed.get(60, TimeUnit.SECONDS);
        assertThat(context.isActive()).isFalse();
    }
}
