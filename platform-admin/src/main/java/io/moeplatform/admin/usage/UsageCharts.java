package io.moeplatform.admin.usage;

import io.moeplatform.core.metering.DailyUsage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;

/**
 * What the usage page's charts draw, summed from the daily rows: tokens and cost per day (every day of the
 * period, zero where nothing was used), and tokens and cost per tenant, per model and per adapter.
 *
 * @param days ISO dates, one per day of the period
 */
record UsageCharts(List<String> days, List<Long> promptTokensPerDay, List<Long> completionTokensPerDay,
        List<BigDecimal> costPerDay, Map<String, Totals> perTenant, Map<String, Totals> perModel,
        Map<String, Totals> perAdapter, Totals total) {

    /** Sums of one group. */
    record Totals(long requests, long promptTokens, long completionTokens, BigDecimal cost) {

        static final Totals ZERO = new Totals(0, 0, 0, BigDecimal.ZERO);

        Totals plus(DailyUsage day) {
            return new Totals(requests + day.requests(), promptTokens + day.promptTokens(),
                    completionTokens + day.completionTokens(), cost.add(day.cost()));
        }

        public long tokens() {
            return promptTokens + completionTokens;
        }
    }

    static UsageCharts of(UsagePeriod period, List<DailyUsage> rows, Map<UUID, String> tenantNames,
            String noAdapter) {
        var byDay = new TreeMap<String, Totals>();
        for (var day = period.from(); !day.isAfter(period.to()); day = day.plusDays(1)) {
            byDay.put(day.toString(), Totals.ZERO);
        }
        var total = Totals.ZERO;
        for (var row : rows) {
            byDay.merge(row.day().toString(), Totals.ZERO.plus(row), (a, b) -> a.plus(row));
            total = total.plus(row);
        }
        var days = new ArrayList<>(byDay.keySet());
        return new UsageCharts(days, days.stream().map(d -> byDay.get(d).promptTokens()).toList(),
                days.stream().map(d -> byDay.get(d).completionTokens()).toList(),
                days.stream().map(d -> byDay.get(d).cost()).toList(),
                group(rows, row -> tenantNames.getOrDefault(row.tenantId(), row.tenantId().toString())),
                group(rows, DailyUsage::model),
                group(rows, row -> row.adapter() == null ? noAdapter : row.adapter()), total);
    }

    private static Map<String, Totals> group(List<DailyUsage> rows, Function<DailyUsage, String> key) {
        var groups = new LinkedHashMap<String, Totals>();
        for (var row : rows) {
            groups.merge(key.apply(row), Totals.ZERO.plus(row), (a, b) -> a.plus(row));
        }
        return groups;
    }
}
