package io.moeplatform.core.quota;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** The two token budget periods, in UTC: a calendar day and a calendar month. */
enum BudgetPeriod {
    DAY, MONTH;

    /** First day of the period containing {@code day}. */
    LocalDate start(LocalDate day) {
        return this == DAY ? day : day.withDayOfMonth(1);
    }

    /** Time from {@code now} until the next period begins (when a spent budget is fresh again). */
    Duration untilNext(Instant now) {
        var today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        var next = this == DAY ? today.plusDays(1) : today.withDayOfMonth(1).plusMonths(1);
        return Duration.between(now, next.atStartOfDay(ZoneOffset.UTC).toInstant());
    }

    String label() {
        return this == DAY ? "daily" : "monthly";
    }
}
