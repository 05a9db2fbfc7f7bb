package io.moeplatform.admin.usage;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/** The UTC days a usage page covers: the last 30 days unless chosen, at most a year, {@code from <= to}. */
record UsagePeriod(LocalDate from, LocalDate to) {

    static final int DEFAULT_DAYS = 30;
    static final int MAX_DAYS = 366;

    static UsagePeriod of(@Nullable LocalDate from, @Nullable LocalDate to, Clock clock) {
        var end = to != null ? to : LocalDate.now(clock.withZone(ZoneOffset.UTC));
        var start = from != null ? from : end.minusDays(DEFAULT_DAYS - 1);
        if (start.isAfter(end)) {
            start = end;
        }
        if (ChronoUnit.DAYS.between(start, end) >= MAX_DAYS) {
            start = end.minusDays(MAX_DAYS - 1);
        }
        return new UsagePeriod(start, end);
    }
}
