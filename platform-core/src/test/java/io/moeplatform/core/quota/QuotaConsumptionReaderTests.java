package io.moeplatform.core.quota;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageRecord;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.MutableClock;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

class QuotaConsumptionReaderTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static final MutableClock clock = new MutableClock(Instant.parse("2026-07-31T23:58:30Z"));
    static ConfigurableApplicationContext context;

    @BeforeAll
    static void start() {
        context = CoreTestApplication.start(db.springProperties(), clock);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void showsSettledReservedRateAndRunningAsAdmissionCountsThem() {
        var tenant = context.getBean(TenantService.class)
                .create("consumer", new TenantPlan(10_000, 100_000, 60, 4, 0, Set.of(), 1), "admin").id();
        var reader = context.getBean(QuotaConsumptionReader.class);
        assertThat(reader.consumption(tenant)).isEqualTo(new QuotaConsumption(0, 0, 0, 0, 0, 0));

        var admission = context.getBean(AdmissionService.class);
        var key = UUID.randomUUID();
        admission.admit(new AdmissionRequest("done", tenant, key, "m", null, 100, 50))
                .finish(new UsageRecord("done", tenant, key, "m", null, 100, 30, 0, 0, Duration.ofMillis(5),
                        Duration.ofMillis(9), Outcome.COMPLETED, false));
        admission.admit(new AdmissionRequest("running", tenant, key, "m", null, 10, 20));

        assertThat(reader.consumption(tenant)).isEqualTo(new QuotaConsumption(130, 30, 130, 30, 2, 1));
        clock.advance(Duration.ofMinutes(2)); // a new day and month: settled tokens of the old ones do not count
        assertThat(reader.consumption(tenant).tokensToday()).isZero();
        assertThat(reader.consumption(tenant).tokensThisMonth()).isZero();
        assertThat(reader.consumption(tenant).requestsThisMinute()).isZero();
    }
}
