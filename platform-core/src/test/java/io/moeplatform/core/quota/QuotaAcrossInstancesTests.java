package io.moeplatform.core.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageRecord;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantView;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.MutableClock;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Two application instances (two Spring contexts with their own connection pools) on one PostgreSQL schema, as two
 * replicas would run: budgets, concurrency and request rates hold across them, finishes are idempotent, and a
 * crashed instance's reservations come back.
 */
class QuotaAcrossInstancesTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    /** Both instances read this clock: synchronised hosts, and time the tests can move. */
    static final MutableClock clock = new MutableClock(Instant.parse("2026-06-15T10:00:10Z"));

    static ConfigurableApplicationContext first;
    static ConfigurableApplicationContext second;

    @BeforeAll
    static void startTwoInstancesAtOnce() {
        var a = CompletableFuture.supplyAsync(() -> CoreTestApplication.start(db.springProperties(), clock));
        var b = CompletableFuture.supplyAsync(() -> CoreTestApplication.start(db.springProperties(), clock));
        first = a.join();
        second = b.join();
    }

    @AfterAll
    static void stop() {
        first.close();
        second.close();
    }

    @Test
    void bootstrapsOnceWhenTwoInstancesStartTogether() {
        assertThat(count("SELECT COUNT(*) FROM console_user")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM tenant WHERE name = 'default'")).isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM api_key k JOIN tenant t ON t.id = k.tenant_id WHERE t.name = 'default'"))
                .isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM audit_event WHERE action = 'PLATFORM_BOOTSTRAPPED'")).isEqualTo(1);
    }

    @Test
    void settledUsageNeverExceedsTheTokenBudgetUnderConcurrentAdmissions() throws Exception {
        var tenant = tenant(new TenantPlan(2000, 0, 0, 0, 0, Set.of(), 1));
        var admitted = new AtomicInteger();
        var rejected = new AtomicInteger();
        var otherFailures = new ConcurrentHashMap<String, Integer>();
        runOnBothInstances(4, 40, service -> {
            var id = UUID.randomUUID().toString();
            try {
                // reserves 20 + 80 = 100 tokens, settles 20 + (1..80)
                var admission = service.admit(new AdmissionRequest(id, tenant.id(), KEY, "m", null, 20, 80));
                admitted.incrementAndGet();
                sleepUpTo(2);
                admission.finish(usage(id, tenant.id(), 20, ThreadLocalRandom.current().nextInt(1, 81)));
            } catch (QuotaExceededException e) {
                if (e.code().equals("insufficient_quota") && e.budgetExhausted()) {
                    rejected.incrementAndGet();
                } else {
                    otherFailures.merge(e.code(), 1, Integer::sum);
                }
            }
        });

        long used = count("SELECT used FROM quota_budget WHERE tenant_id = ? AND period_kind = 'DAY'", tenant.id());
        long metered = count("SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage_event"
                + " WHERE tenant_id = ?", tenant.id());
        assertThat(otherFailures).isEmpty();
        assertThat(rejected.get()).isPositive();
        assertThat(used).isEqualTo(metered).isLessThanOrEqualTo(2000).isPositive();
        assertThat(count("SELECT COUNT(*) FROM usage_event WHERE tenant_id = ?", tenant.id()))
                .isEqualTo(admitted.get());
        assertNothingDangling(tenant.id());
    }

    @Test
    void concurrentRequestLimitHoldsAcrossInstances() throws Exception {
        var tenant = tenant(new TenantPlan(0, 0, 0, 3, 0, Set.of(), 1));
        var running = new AtomicInteger();
        var mostRunning = new AtomicInteger();
        var rejected = new AtomicInteger();
        runOnBothInstances(4, 15, service -> {
            var id = UUID.randomUUID().toString();
            try {
                var admission = service.admit(new AdmissionRequest(id, tenant.id(), KEY, "m", null, 5, 5));
                mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                sleepUpTo(5);
                running.decrementAndGet();
                admission.finish(usage(id, tenant.id(), 5, 5));
            } catch (QuotaExceededException e) {
                assertThat(e.code()).isEqualTo("rate_limit_exceeded");
                assertThat(e.budgetExhausted()).isFalse();
                rejected.incrementAndGet();
            }
        });
        assertThat(mostRunning.get()).isBetween(1, 3);
        assertThat(rejected.get()).isPositive();
        assertNothingDangling(tenant.id());
    }

    @Test
    void requestRateHoldsAcrossInstancesUntilTheWindowMoves() {
        clock.set(Instant.parse("2026-06-15T10:30:10Z"));
        var tenant = tenant(new TenantPlan(0, 0, 10, 0, 0, Set.of(), 1));
        int accepted = 0;
        QuotaExceededException refusal = null;
        for (int i = 0; i < 20; i++) {
            var service = (i % 2 == 0 ? first : second).getBean(AdmissionService.class);
            var id = "rate-" + i;
            try {
                service.admit(new AdmissionRequest(id, tenant.id(), KEY, "m", null, 1, 1))
                        .finish(usage(id, tenant.id(), 1, 1));
                accepted++;
            } catch (QuotaExceededException e) {
                refusal = e;
            }
        }
        assertThat(accepted).isEqualTo(10);
        assertThat(refusal).isNotNull();
        assertThat(refusal.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refusal.retryAfter()).isEqualTo(Duration.ofSeconds(50));

        clock.advance(Duration.ofSeconds(50));
        second.getBean(AdmissionService.class).admit(new AdmissionRequest("rate-next", tenant.id(), KEY, "m", null,
                1, 1)).finish(usage("rate-next", tenant.id(), 1, 1));
    }

    @Test
    void finishingTwiceOnEitherInstanceBillsOnce() {
        var tenant = tenant(new TenantPlan(1000, 0, 0, 0, 0, Set.of(), 1));
        var admission = (QuotaReservation) first.getBean(AdmissionService.class)
                .admit(new AdmissionRequest("twice", tenant.id(), KEY, "m", null, 10, 90));
        admission.finish(usage("twice", tenant.id(), 10, 30));
        admission.finish(usage("twice", tenant.id(), 10, 30));
        // the same request settled again by the other instance (e.g. a retried cleanup)
        new QuotaReservation("twice", tenant.id(), KEY, admission.day(), admission.month(), 100,
                second.getBean(ReservationSettlement.class)).finish(usage("twice", tenant.id(), 10, 30));

        assertThat(count("SELECT used FROM quota_budget WHERE tenant_id = ? AND period_kind = 'DAY'", tenant.id()))
                .isEqualTo(40);
        assertThat(count("SELECT COUNT(*) FROM usage_event WHERE tenant_id = ?", tenant.id())).isEqualTo(1);
        assertNothingDangling(tenant.id());
    }

    @Test
    void expiredReservationOfACrashedInstanceIsReleasedAndALateFinishBillsOnlyActualUsage() {
        var tenant = tenant(new TenantPlan(1000, 0, 0, 1, 0, Set.of(), 1));
        var lost = first.getBean(AdmissionService.class)
                .admit(new AdmissionRequest("lost", tenant.id(), KEY, "m", null, 100, 100));
        assertThatThrownBy(() -> second.getBean(AdmissionService.class)
                .admit(new AdmissionRequest("blocked", tenant.id(), KEY, "m", null, 1, 1)))
                .isInstanceOf(QuotaExceededException.class);

        clock.advance(Duration.ofMinutes(16));
        second.getBean(ReservationSweeper.class).sweep();
        assertThat(count("SELECT COUNT(*) FROM quota_reservation WHERE tenant_id = ?", tenant.id())).isZero();

        var next = second.getBean(AdmissionService.class)
                .admit(new AdmissionRequest("next", tenant.id(), KEY, "m", null, 50, 50));
        lost.finish(usage("lost", tenant.id(), 100, 20));
        var budget = "SELECT %s FROM quota_budget WHERE tenant_id = ? AND period_kind = 'DAY'";
        assertThat(count(budget.formatted("used"), tenant.id())).isEqualTo(120);
        assertThat(count(budget.formatted("reserved"), tenant.id())).isEqualTo(100); // only "next" is reserved
        next.finish(usage("next", tenant.id(), 50, 10));
        assertNothingDangling(tenant.id());
    }

    @Test
    void budgetRefusalSaysWhenTheBudgetRenews() {
        clock.set(Instant.parse("2026-06-15T22:00:00Z"));
        var tenant = tenant(new TenantPlan(100, 0, 0, 0, 0, Set.of(), 1));
        var service = first.getBean(AdmissionService.class);
        service.admit(new AdmissionRequest("b1", tenant.id(), KEY, "m", null, 10, 50));
        assertThatThrownBy(() -> service.admit(new AdmissionRequest("b2", tenant.id(), KEY, "m", null, 10, 50)))
                .isInstanceOfSatisfying(QuotaExceededException.class, e -> {
                    assertThat(e.code()).isEqualTo("insufficient_quota");
                    assertThat(e.budgetExhausted()).isTrue();
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofHours(2));
                });
    }

    @Test
    void refusesSuspendedTenantsForeignModelsAndTooManyTokens() {
        var tenant = tenant(new TenantPlan(0, 0, 0, 0, 256, Set.of("small"), 1));
        var service = second.getBean(AdmissionService.class);
        assertThatThrownBy(() -> service.admit(new AdmissionRequest("r1", tenant.id(), KEY, "small", null, 10,
                257))).isInstanceOfSatisfying(RequestNotAllowedException.class,
                        e -> assertThat(e.param()).isEqualTo("max_tokens"));
        assertThatThrownBy(() -> service.admit(new AdmissionRequest("r2", tenant.id(), KEY, "large", null, 10,
                10))).isInstanceOfSatisfying(RequestNotAllowedException.class,
                        e -> assertThat(e.code()).isEqualTo("model_not_allowed"));
        first.getBean(TenantService.class).suspend(tenant.id(), "ops");
        assertThatThrownBy(() -> service.admit(new AdmissionRequest("r3", tenant.id(), KEY, "small", null, 10,
                10))).isInstanceOfSatisfying(RequestNotAllowedException.class,
                        e -> assertThat(e.code()).isEqualTo("tenant_suspended"));
        assertNothingDangling(tenant.id());
    }

    private static final UUID KEY = UUID.randomUUID();

    private interface Attempt {
        void run(AdmissionService service) throws Exception;
    }

    /** {@code threads} workers on each instance, each making {@code attempts} attempts; rethrows any failure. */
    private static void runOnBothInstances(int threads, int attempts, Attempt attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2 * threads);
        try {
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (var context : List.of(first, second)) {
                var service = context.getBean(AdmissionService.class);
                for (int t = 0; t < threads; t++) {
                    workers.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < attempts; i++) {
                            try {
                                attempt.run(service);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        }
                    }, pool));
                }
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get();
        } finally {
            pool.shutdownNow();
        }
    }

    private static TenantView tenant(TenantPlan plan) {
        return first.getBean(TenantService.class).create("t-" + UUID.randomUUID().toString().substring(0, 8), plan,
                "test");
    }

    private static UsageRecord usage(String requestId, UUID tenantId, int prompt, int completion) {
        return new UsageRecord(requestId, tenantId, KEY, "m", null, prompt, completion, 0, 0, Duration.ofMillis(5),
                Duration.ofMillis(20), Outcome.COMPLETED, false);
    }

    private static void assertNothingDangling(UUID tenantId) {
        assertThat(count("SELECT COUNT(*) FROM quota_reservation WHERE tenant_id = ?", tenantId)).isZero();
        assertThat(count("SELECT COALESCE(SUM(reserved), 0) FROM quota_budget WHERE tenant_id = ?", tenantId))
                .isZero();
    }

    private static long count(String sql, Object... params) {
        return first.getBean(JdbcClient.class).sql(sql).params(params).query(Long.class).single();
    }

    private static void sleepUpTo(int millis) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(millis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
