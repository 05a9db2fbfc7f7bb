package io.moeplatform.api.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import io.moeplatform.core.tenant.TenantPlan;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Two application instances on one database, as two replicas behind a load balancer, hammered with concurrent
 * requests against a small daily token budget: what is settled never exceeds the budget and no reservation is
 * left behind.
 */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class QuotaRaceIntegrationTests extends PlatformTest {

    private static final int BUDGET = 300;
    private static final int REQUESTS = 32;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void replicasNeverSettleMoreThanTheBudget() throws Exception {
        var tenant = tenant(new TenantPlan(BUDGET, 0, 0, 0, 0, Set.of(), 1));
        var properties = new LinkedHashMap<String, Object>(db.springProperties());
        properties.put("server.port", "0");
        properties.put("platform.data-dir", System.getProperty("java.io.tmpdir") + "/h5-api-replica-" + db.schema());
        properties.put("spring.main.banner-mode", "off");
        properties.putAll(ENGINE);
        // As command-line arguments: default properties would lose to application.yaml's H2 datasource.
        String[] arguments = properties.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        try (var replica = new SpringApplicationBuilder(PlatformApplication.class)
                .run(arguments)) {
            int replicaPort = ((WebServerApplicationContext) replica).getWebServer().getPort();
            List<ApiClient> clients = List.of(api, new ApiClient(replicaPort));
            var responses = new ArrayList<Future<HttpResponse<String>>>();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < REQUESTS; i++) {
                    ApiClient client = clients.get(i % 2);
                    responses.add(pool.submit(() -> client.post("/v1/completions", tenant.key(),
                            "{\"model\":\"moe-demo\",\"prompt\":\"ab\",\"max_tokens\":20}")));
                }
            }
            int ok = 0;
            for (var response : responses) {
                int status = response.get().statusCode();
                assertThat(status).as(response.get().body()).isIn(200, 429, 503);
                if (status == 200) {
                    ok++;
                }
            }
            assertThat(ok).as("some requests fit the budget").isPositive();
            assertThat(ok).as("not all of them can: 32 × 22 reserved tokens > budget").isLessThan(REQUESTS);

            Long settled = jdbc.queryForObject(
                    "SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage_event WHERE tenant_id = ?",
                    Long.class, tenant.id());
            assertThat(settled).isLessThanOrEqualTo(BUDGET);
            assertThat(jdbc.queryForObject(
                    "SELECT COUNT(*) FROM usage_event WHERE tenant_id = ? AND outcome = 'COMPLETED'",
                    Integer.class, tenant.id())).isEqualTo(ok);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM quota_reservation WHERE tenant_id = ?",
                    Integer.class, tenant.id())).isZero();
            assertThat(jdbc.queryForObject("SELECT COALESCE(SUM(reserved), 0) FROM quota_budget WHERE tenant_id = ?",
                    Long.class, tenant.id())).isZero();
            assertThat(jdbc.queryForObject(
                    "SELECT used FROM quota_budget WHERE tenant_id = ? AND period_kind = 'DAY'", Long.class,
                    tenant.id())).isEqualTo(settled);
        }
    }
}
