package io.moeplatform.core.quota;

import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Admission against the database, correct with any number of replicas sharing it.
 *
 * <p>One transaction per admission: it locks the tenant row ({@code SELECT ... FOR UPDATE}), which serialises the
 * admissions of one tenant across replicas, so the checks of the request rate (fixed one-minute windows) and of
 * concurrency (count of unexpired reservations) cannot be overtaken. Tokens are reserved with conditional updates
 * ({@code used + reserved + amount <= limit}) in the day and month budgets, which finishes update concurrently
 * without the tenant lock. A rejected admission rolls back entirely: it counts against nothing.
 */
@Service
public class QuotaAdmissionService implements AdmissionService {

    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final ReservationSettlement settlement;
    private final QuotaProperties properties;
    private final Clock clock;

    QuotaAdmissionService(JdbcClient jdbc, PlatformTransactionManager transactions,
            ReservationSettlement settlement, QuotaProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.settlement = settlement;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    public Admission admit(AdmissionRequest request) {
        if (request.promptTokens() < 0 || request.maxTokens() < 0) {
            throw new IllegalArgumentException("Token counts must not be negative: " + request);
        }
        try {
            return transaction.execute(status -> admitLocked(request));
        } catch (DuplicateKeyException e) {
            throw new IllegalStateException("Request id " + request.requestId() + " was already admitted", e);
        }
    }

    private Admission admitLocked(AdmissionRequest request) {
        var tenant = jdbc.sql("""
                SELECT status, tokens_per_day, tokens_per_month, requests_per_minute, max_concurrent_requests,
                       max_tokens_per_request, allowed_models, scheduling_weight
                FROM tenant WHERE id = ? FOR UPDATE""")
                .param(request.tenantId())
                .query((rs, n) -> new LockedTenant(TenantStatus.valueOf(rs.getString(1)),
                        new TenantPlan(rs.getLong(2), rs.getLong(3), rs.getInt(4), rs.getInt(5), rs.getInt(6),
                                models(rs.getString(7)), rs.getInt(8))))
                .optional()
                .orElseThrow(() -> new RequestNotAllowedException("Unknown tenant " + request.tenantId(),
                        "tenant_not_found", null));
        var plan = tenant.plan();
        if (tenant.status() != TenantStatus.ACTIVE) {
            throw new RequestNotAllowedException("This tenant is suspended; ask the platform administrator.",
                    "tenant_suspended", null);
        }
        if (!plan.allowedModels().isEmpty() && !plan.allowedModels().contains(request.model())) {
            throw new RequestNotAllowedException("Model '" + request.model()
                    + "' is not allowed for this tenant; allowed: " + String.join(", ", plan.allowedModels()),
                    "model_not_allowed", "model");
        }
        if (plan.maxTokensPerRequest() > 0 && request.maxTokens() > plan.maxTokensPerRequest()) {
            throw new RequestNotAllowedException("max_tokens " + request.maxTokens()
                    + " exceeds this tenant's limit of " + plan.maxTokensPerRequest()
                    + " tokens per request; lower max_tokens.", "max_tokens_exceeded", "max_tokens");
        }
        var now = Instant.now(clock);
        var window = now.truncatedTo(ChronoUnit.MINUTES);
        if (plan.requestsPerMinute() > 0) {
            checkRate(request.tenantId(), plan.requestsPerMinute(), now, window);
        }
        if (plan.maxConcurrentRequests() > 0) {
            checkConcurrency(request.tenantId(), plan.maxConcurrentRequests(), now);
        }
        var today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        long amount = (long) request.promptTokens() + request.maxTokens();
        reserve(request.tenantId(), BudgetPeriod.DAY, today, plan.tokensPerDay(), amount, now);
        reserve(request.tenantId(), BudgetPeriod.MONTH, today, plan.tokensPerMonth(), amount, now);
        countRequest(request.tenantId(), window);
        jdbc.sql("""
                INSERT INTO quota_reservation (request_id, tenant_id, key_id, budget_day, budget_month,
                    reserved_tokens, created_at, expires_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(request.requestId(), request.tenantId(), request.keyId(), BudgetPeriod.DAY.start(today),
                        BudgetPeriod.MONTH.start(today), amount, now.atOffset(ZoneOffset.UTC),
                        now.plus(properties.reservationTtl()).atOffset(ZoneOffset.UTC))
                .update();
        return new QuotaReservation(request.requestId(), request.tenantId(), request.keyId(),
                BudgetPeriod.DAY.start(today), BudgetPeriod.MONTH.start(today), amount, settlement);
    }

    private void checkRate(UUID tenantId, int limit, Instant now, Instant window) {
        int used = jdbc.sql("SELECT requests FROM rate_window WHERE tenant_id = ? AND window_start = ?")
                .params(tenantId, window.atOffset(ZoneOffset.UTC)).query(Integer.class).optional().orElse(0);
        if (used >= limit) {
            var retry = Duration.between(now, window.plus(Duration.ofMinutes(1)));
            throw new QuotaExceededException("Rate limit of " + limit
                    + " requests per minute reached; retry after " + retry.toSeconds() + " s.",
                    "rate_limit_exceeded", atLeastOneSecond(retry), false);
        }
    }

    private void checkConcurrency(UUID tenantId, int limit, Instant now) {
        long running = jdbc.sql("SELECT COUNT(*) FROM quota_reservation WHERE tenant_id = ? AND expires_at > ?")
                .params(tenantId, now.atOffset(ZoneOffset.UTC)).query(Long.class).single();
        if (running >= limit) {
            throw new QuotaExceededException("This tenant already has " + running
                    + " requests running, its limit; retry when one finishes.", "rate_limit_exceeded",
                    properties.concurrencyRetryAfter(), false);
        }
    }

    /** Reserves {@code amount} tokens in the period's budget row, creating the row on first use. */
    private void reserve(UUID tenantId, BudgetPeriod period, LocalDate today, long limit, long amount,
            Instant now) {
        var start = period.start(today);
        // the tenant lock makes this check-then-insert safe against other admissions; finishes never insert
        jdbc.sql("""
                INSERT INTO quota_budget (tenant_id, period_kind, period_start, used, reserved)
                SELECT ?, ?, ?, 0, 0 WHERE NOT EXISTS (
                    SELECT 1 FROM quota_budget WHERE tenant_id = ? AND period_kind = ? AND period_start = ?)""")
                .params(tenantId, period.name(), start, tenantId, period.name(), start).update();
        int updated;
        if (limit > 0) {
            updated = jdbc.sql("""
                    UPDATE quota_budget SET reserved = reserved + ?
                    WHERE tenant_id = ? AND period_kind = ? AND period_start = ? AND used + reserved + ? <= ?""")
                    .params(amount, tenantId, period.name(), start, amount, limit).update();
        } else {
            updated = jdbc.sql("""
                    UPDATE quota_budget SET reserved = reserved + ?
                    WHERE tenant_id = ? AND period_kind = ? AND period_start = ?""")
                    .params(amount, tenantId, period.name(), start).update();
        }
        if (updated == 0) {
            var retry = period.untilNext(now);
            throw new QuotaExceededException("The " + period.label() + " token budget of " + limit
                    + " tokens does not have " + amount + " tokens (prompt + max_tokens) left; lower max_tokens,"
                    + " or wait " + retry.toMinutes() + " minutes for the next period.", "insufficient_quota",
                    retry, true);
        }
    }

    private void countRequest(UUID tenantId, Instant window) {
        var start = window.atOffset(ZoneOffset.UTC);
        int updated = jdbc
                .sql("UPDATE rate_window SET requests = requests + 1 WHERE tenant_id = ? AND window_start = ?")
                .params(tenantId, start).update();
        if (updated == 0) {
            jdbc.sql("INSERT INTO rate_window (tenant_id, window_start, requests) VALUES (?, ?, 1)")
                    .params(tenantId, start).update();
        }
    }

    private static Duration atLeastOneSecond(Duration duration) {
        return duration.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : duration;
    }

    private static Set<String> models(String models) {
        return models.isEmpty()
                ? Set.of()
                : Arrays.stream(models.split(",")).collect(Collectors.toUnmodifiableSet());
    }

    private record LockedTenant(TenantStatus status, TenantPlan plan) {}
}
