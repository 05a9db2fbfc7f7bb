package io.moeplatform.core.metering;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.core.quota.AdmissionRequest;
import io.moeplatform.core.quota.AdmissionService;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.MutableClock;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

class UsageLedgerTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static final MutableClock clock = new MutableClock(Instant.parse("2026-05-10T23:59:00Z"));
    static ConfigurableApplicationContext context;
    static UsageQueryService usage;
    static UUID acme;
    static UUID globex;
    static final UUID KEY = UUID.randomUUID();

    @BeforeAll
    static void meterTwoTenantsOverTwoDays() {
        context = CoreTestApplication.start(db.springProperties(), clock);
        usage = context.getBean(UsageQueryService.class);
        var tenants = context.getBean(TenantService.class);
        acme = tenants.create("acme", TenantPlan.unlimited(), "admin").id();
        globex = tenants.create("globex", TenantPlan.unlimited(), "admin").id();
        context.getBean(ModelPriceService.class).set("big", new BigDecimal("2"), new BigDecimal("6"), "admin");

        meter("a1", acme, "big", null, 1000, 500);
        meter("a2", acme, "big", "kg,\"legal\"", 200, 100);
        meter("g1", globex, "big", null, 7, 7);
        clock.advance(Duration.ofMinutes(2)); // next UTC day
        meter("a3", acme, "small", null, 10, 20);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void dailyTotalsArePerDayModelAndAdapterWithCostAndOnlyTheTenantsOwn() {
        var days = usage.daily(acme, LocalDate.parse("2026-05-10"), LocalDate.parse("2026-05-11"));
        assertThat(days).extracting(DailyUsage::day, DailyUsage::model, DailyUsage::adapter, DailyUsage::requests,
                DailyUsage::promptTokens, DailyUsage::completionTokens)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(LocalDate.parse("2026-05-10"), "big", null, 1L, 1000L,
                                500L),
                        org.assertj.core.groups.Tuple.tuple(LocalDate.parse("2026-05-10"), "big", "kg,\"legal\"",
                                1L, 200L, 100L),
                        org.assertj.core.groups.Tuple.tuple(LocalDate.parse("2026-05-11"), "small", null, 1L, 10L,
                                20L));
        // 1000 * 2 / 1000 + 500 * 6 / 1000
        assertThat(days.get(0).cost()).isEqualByComparingTo("5");
        assertThat(days.get(2).cost()).isEqualByComparingTo("0"); // no price set for "small"
        assertThat(usage.daily(globex, LocalDate.parse("2026-05-10"), LocalDate.parse("2026-05-11")))
                .singleElement().satisfies(day -> assertThat(day.promptTokens()).isEqualTo(7));
    }

    @Test
    void findsARequestOnlyWithinItsOwnTenant() {
        assertThat(usage.find(acme, "a1")).hasValueSatisfying(record -> {
            assertThat(record.completionTokens()).isEqualTo(500);
            assertThat(record.timeToFirstToken()).isEqualTo(Duration.ofMillis(40));
            assertThat(record.outcome()).isEqualTo(Outcome.COMPLETED);
        });
        assertThat(usage.find(globex, "a1")).isEmpty();
        assertThat(usage.find(acme, "g1")).isEmpty();
    }

    @Test
    void exportsTheTenantsEventsAsCsvWithHeaderAndQuoting() throws Exception {
        var csv = new StringWriter();
        usage.exportCsv(acme, LocalDate.parse("2026-05-10"), LocalDate.parse("2026-05-10"), csv);
        var lines = csv.toString().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("request_id,created_at,key_id,model,adapter,prompt_tokens");
        assertThat(lines.get(1)).startsWith("a1,2026-05-10T23:59:00Z," + KEY + ",big,,1000,500,0,0,40,900,COMPLETED");
        assertThat(lines.get(2)).contains(",big,\"kg,\"\"legal\"\"\",200,100,");
        assertThat(csv.toString()).doesNotContain("g1");
    }

    @Test
    void exportsEveryTenantsEventsWithTheTenantsName() throws Exception {
        var csv = new StringWriter();
        context.getBean(UsageReportService.class).exportCsvAllTenants(LocalDate.parse("2026-05-10"),
                LocalDate.parse("2026-05-10"), csv);
        var lines = csv.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("tenant,request_id,created_at,key_id,model");
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(1, 4)).anyMatch(line -> line.startsWith("acme,a1,2026-05-10T23:59:00Z,"))
                .anyMatch(line -> line.startsWith("globex,g1,"));
    }

    @Test
    void dailyTotalsAcrossTenantsKeepEachTenantApart() {
        var days = context.getBean(UsageReportService.class).dailyAllTenants(LocalDate.parse("2026-05-10"),
                LocalDate.parse("2026-05-10"));
        assertThat(days).extracting(DailyUsage::tenantId, DailyUsage::adapter, DailyUsage::promptTokens)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(acme, null, 1000L),
                        org.assertj.core.groups.Tuple.tuple(acme, "kg,\"legal\"", 200L),
                        org.assertj.core.groups.Tuple.tuple(globex, null, 7L));
    }

    @Test
    void latencyPercentilesArePerTenantOrOverAll() {
        var reports = context.getBean(UsageReportService.class);
        var from = LocalDate.parse("2026-05-10");
        var to = LocalDate.parse("2026-05-11");
        var all = reports.latency(null, from, to);
        assertThat(all.requests()).isEqualTo(4);
        assertThat(all.durationP50()).isEqualTo(900);
        assertThat(all.ttftP99()).isEqualTo(40);
        assertThat(reports.latency(globex, from, to).requests()).isEqualTo(1);
        assertThat(reports.latency(globex, LocalDate.parse("2026-05-11"), to).requests()).isZero();
    }

    private static void meter(String id, UUID tenant, String model, @Nullable String adapter, int prompt,
            int completion) {
        context.getBean(AdmissionService.class)
                .admit(new AdmissionRequest(id, tenant, KEY, model, adapter, prompt, completion))
                .finish(new UsageRecord(id, tenant, KEY, model, adapter, prompt, completion, 0, 0,
                        Duration.ofMillis(40), Duration.ofMillis(900), Outcome.COMPLETED, true));
    }
}
