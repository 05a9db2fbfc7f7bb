package io.moeplatform.api.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.PlatformTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The Helm chart's Grafana dashboard and Prometheus alert rules query metrics by name: every name they use must be
 * one that {@code /actuator/prometheus} exposes once the platform has served a request, or the panels stay empty
 * and the alerts never fire.
 */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class MonitoringContractIntegrationTests extends PlatformTest {

    private static final Path CHART = Path.of("..", "helm", "moe-platform");
    /** Metric names as the chart writes them: ours (moe_, platform_) and Spring's HTTP server metrics. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:moe|platform|http_server)_[a-z0-9_]+)\\b");

    @Test
    void everyMetricTheDashboardAndAlertsQueryIsExposed() throws IOException {
        var tenant = tenant(UNLIMITED);
        var response = api.post("/v1/chat/completions", tenant.key(), """
                {"model":"moe-demo","messages":[{"role":"user","content":"Hi"}],"max_tokens":3}""");
        assertThat(response.statusCode()).isEqualTo(200);
        var scrape = api.send(HttpRequest.newBuilder(URI.create(api.base() + "/actuator/prometheus"))
                .header("Authorization", "Bearer " + SCRAPE_TOKEN).build());
        assertThat(scrape.statusCode()).isEqualTo(200);
        Set<String> exposed = scrape.body().lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));

        Set<String> queried = new TreeSet<>();
        for (Path file : Set.of(CHART.resolve("files/grafana/moe-platform.json"),
                CHART.resolve("templates/prometheusrule.yaml"), CHART.resolve("templates/keda-scaledobject.yaml"),
                CHART.resolve("values.yaml"))) {
            METRIC.matcher(Files.readString(file)).results().map(m -> m.group(1))
                    .filter(name -> !name.equals("platform_metrics_scrape_token")).forEach(queried::add);
        }
        assertThat(queried).as("the chart queries metrics").contains("moe_engine_requests_waiting",
                "moe_engine_time_to_first_token_seconds_bucket", "platform_api_tokens_total");
        assertThat(exposed).containsAll(queried);
    }
}
