package io.moeplatform.core.quota;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads a tenant's current consumption from the same rows admission counts in, so the two never disagree. */
@Service
public class QuotaConsumptionReader {

    private final JdbcClient jdbc;
    private final Clock clock;

    QuotaConsumptionReader(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public QuotaConsumption consumption(UUID tenantId) {
        var now = Instant.now(clock);
        var today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        var day = budget(tenantId, BudgetPeriod.DAY, today);
        var month = budget(tenantId, BudgetPeriod.MONTH, today);
        int requests = jdbc.sql("SELECT requests FROM rate_window WHERE tenant_id = ? AND window_start = ?")
                .params(tenantId, now.truncatedTo(ChronoUnit.MINUTES).atOffset(ZoneOffset.UTC)).query(Integer.class)
                .optional().orElse(0);
        long running = jdbc.sql("SELECT COUNT(*) FROM quota_reservation WHERE tenant_id = ? AND expires_at > ?")
                .params(tenantId, now.atOffset(ZoneOffset.UTC)).query(Long.class).single();
        return new QuotaConsumption(day[0], day[1], month[0], month[1], requests, running);
    }

    /** {used, reserved} of one budget row, zeros when the period has no row yet. */
    private long[] budget(UUID tenantId, BudgetPeriod period, LocalDate today) {
        return jdbc.sql("SELECT used, reserved FROM quota_budget WHERE tenant_id = ? AND period_kind = ?"
                + " AND period_start = ?").params(tenantId, period.name(), period.start(today))
                .query((rs, n) -> new long[]{rs.getLong(1), rs.getLong(2)}).optional().orElse(new long[2]);
    }
}
