package io.moeplatform.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.core.apikey.ApiKeyAuthenticator;
import io.moeplatform.core.apikey.ApiKeyService;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import io.moeplatform.core.metering.ModelPriceService;
import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageQueryService;
import io.moeplatform.core.metering.UsageRecord;
import io.moeplatform.core.quota.AdmissionRequest;
import io.moeplatform.core.quota.AdmissionService;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The same migrations and the same SQL of every service work on PostgreSQL and on H2 (file mode, MODE=PostgreSQL,
 * the quick-start database).
 */
class PortableSchemaTests {

    @RegisterExtension
    static final PostgresTestSchema postgres = new PostgresTestSchema();

    @Test
    void migratesAndServesOnPostgresql() {
        try (var context = CoreTestApplication.start(postgres.springProperties(), null)) {
            assertThat(context.getBean(JdbcClient.class)
                    .sql("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ?")
                    .param(postgres.schema()).query(Long.class).single()).isGreaterThanOrEqualTo(11);
            exerciseEveryService(context);
        }
    }

    @Test
    void migratesAndServesOnH2FileDatabase(@TempDir Path dataDir) {
        var url = "jdbc:h2:file:" + dataDir.resolve("platform") + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE"
                + ";DEFAULT_NULL_ORDERING=HIGH";
        Map<String, Object> h2 = Map.of("spring.datasource.url", url, "spring.datasource.username", "sa",
                "spring.datasource.password", "");
        try (var context = CoreTestApplication.start(h2, null)) {
            exerciseEveryService(context);
        }
    }

    /** One pass through tenants, keys, admission, settlement, metering, prices and audit. */
    private static void exerciseEveryService(ConfigurableApplicationContext context) {
        var jdbc = context.getBean(JdbcClient.class);
        assertThat(jdbc.sql("SELECT COUNT(*) FROM flyway_schema_history WHERE success = TRUE AND version = '1'")
                .query(Long.class)
                .single()).isEqualTo(1);
        // the bootstrap ran on the empty database
        assertThat(jdbc.sql("SELECT COUNT(*) FROM console_user").query(Long.class).single()).isEqualTo(1);

        var tenants = context.getBean(TenantService.class);
        var tenant = tenants.create("acme", new TenantPlan(10_000, 100_000, 100, 4, 1000, Set.of("m"), 2), "alice");
        var key = context.getBean(ApiKeyService.class).issue(tenant.id(), "ci", Set.of("inference"), null, "alice");
        var authenticated = context.getBean(ApiKeyAuthenticator.class).authenticate(key.secret()).orElseThrow();
        assertThat(authenticated.tenantName()).isEqualTo("acme");

        context.getBean(ModelPriceService.class).set("m", new BigDecimal("0.5"), new BigDecimal("1.5"), "alice");
        var admission = context.getBean(AdmissionService.class)
                .admit(new AdmissionRequest("req-1", tenant.id(), key.keyId(), "m", null, 100, 200));
        admission.finish(new UsageRecord("req-1", tenant.id(), key.keyId(), "m", null, 100, 50, 10, 0,
                Duration.ofMillis(30), Duration.ofMillis(400), Outcome.COMPLETED, true));

        var usage = context.getBean(UsageQueryService.class);
        var today = LocalDate.now(ZoneOffset.UTC);
        var daily = usage.daily(tenant.id(), today.minusDays(1), today);
        assertThat(daily).singleElement().satisfies(day -> {
            assertThat(day.promptTokens()).isEqualTo(100);
            assertThat(day.completionTokens()).isEqualTo(50);
            // 100 * 0.5 / 1000 + 50 * 1.5 / 1000
            assertThat(day.cost()).isEqualByComparingTo("0.125");
        });
        assertThat(usage.find(tenant.id(), "req-1")).isPresent();
        assertThat(usage.find(UUID.randomUUID(), "req-1")).isEmpty();
        var csv = new StringWriter();
        try {
            usage.exportCsv(tenant.id(), today, today, csv);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(csv.toString().lines()).hasSize(2);
        assertThat(jdbc.sql("SELECT used FROM quota_budget WHERE tenant_id = ? AND period_kind = 'DAY'")
                .param(tenant.id()).query(Long.class).single()).isEqualTo(150);
        assertThat(context.getBean(AuditLog.class).find(AuditQuery.forTenant(tenant.id()))).hasSize(2);
    }
}
