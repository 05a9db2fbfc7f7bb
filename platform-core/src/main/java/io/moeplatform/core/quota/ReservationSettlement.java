package io.moeplatform.core.quota;

import io.moeplatform.core.metering.UsageLedger;
import io.moeplatform.core.metering.UsageRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Settles reservations: on finish, and for reservations whose lease expired (their replica crashed or lost them).
 * Both paths first delete the reservation row, and only the one that deleted it returns its reserved tokens, so
 * a finish racing the sweeper never releases twice.
 */
@Component
class ReservationSettlement {

    private final JdbcClient jdbc;
    private final UsageLedger ledger;
    private final TransactionTemplate transaction;
    private final Clock clock;

    ReservationSettlement(JdbcClient jdbc, UsageLedger ledger, PlatformTransactionManager transactions,
            Clock clock) {
        this.jdbc = jdbc;
        this.ledger = ledger;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    /**
     * In one transaction: appends the usage event (its primary key, the request id, makes a second settlement fail
     * and roll back), frees the concurrency slot, and turns the reservation into the actual prompt + completion
     * tokens in both budgets.
     */
    void settle(QuotaReservation reservation, UsageRecord usage) {
        try {
            transaction.executeWithoutResult(status -> {
                ledger.append(reservation.requestId(), reservation.tenantId(), reservation.keyId(), usage,
                        Instant.now(clock));
                int deleted = jdbc.sql("DELETE FROM quota_reservation WHERE request_id = ?")
                        .param(reservation.requestId()).update();
                long actual = (long) usage.promptTokens() + usage.completionTokens();
                long release = deleted == 1 ? reservation.reservedTokens() : 0;
                adjust(reservation.tenantId(), BudgetPeriod.DAY, reservation.day(), actual, release);
                adjust(reservation.tenantId(), BudgetPeriod.MONTH, reservation.month(), actual, release);
            });
        } catch (DuplicateKeyException alreadySettled) {
            // this request was finished before (here or on another replica): nothing more to bill
        }
    }

    /** Returns the tokens of reservations whose lease ran out; the number of reservations released. */
    int releaseExpired(int batchSize) {
        var now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        var expired = jdbc.sql("""
                SELECT request_id, tenant_id, budget_day, budget_month, reserved_tokens
                FROM quota_reservation WHERE expires_at <= ? ORDER BY expires_at LIMIT ?""")
                .params(now, batchSize)
                .query((rs, n) -> new Expired(rs.getString(1), rs.getObject(2, UUID.class),
                        rs.getObject(3, LocalDate.class), rs.getObject(4, LocalDate.class), rs.getLong(5)))
                .list();
        int released = 0;
        for (var reservation : expired) {
            Boolean done = transaction.execute(status -> {
                int deleted = jdbc.sql("DELETE FROM quota_reservation WHERE request_id = ? AND expires_at <= ?")
                        .params(reservation.requestId(), now).update();
                if (deleted == 1) {
                    adjust(reservation.tenantId(), BudgetPeriod.DAY, reservation.day(), 0, reservation.tokens());
                    adjust(reservation.tenantId(), BudgetPeriod.MONTH, reservation.month(), 0,
                            reservation.tokens());
                }
                return deleted == 1;
            });
            if (Boolean.TRUE.equals(done)) {
                released++;
            }
        }
        return released;
    }

    /** Deletes request-rate windows older than the current minute's predecessor. */
    int deleteOldRateWindows() {
        var cutoff = Instant.now(clock).minusSeconds(120).atOffset(ZoneOffset.UTC);
        return jdbc.sql("DELETE FROM rate_window WHERE window_start < ?").param(cutoff).update();
    }

    private void adjust(UUID tenantId, BudgetPeriod period, LocalDate start, long used, long release) {
        jdbc.sql("""
                UPDATE quota_budget SET used = used + ?, reserved = reserved - ?
                WHERE tenant_id = ? AND period_kind = ? AND period_start = ?""")
                .params(used, release, tenantId, period.name(), start).update();
    }

    private record Expired(String requestId, UUID tenantId, LocalDate day, LocalDate month, long tokens) {}
}
