package io.moeplatform.core.metering;

import java.io.IOException;
import java.io.Writer;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The usage events ({@code usage_event}, one row per request, keyed by request id) and the reads over them. Daily
 * totals are computed from the events with an indexed GROUP BY, so they can never disagree with the events.
 */
@Service
public class UsageLedger implements UsageQueryService, UsageReportService {

    private static final String COLUMNS = "request_id, tenant_id, key_id, model, adapter, prompt_tokens,"
            + " completion_tokens, cached_tokens, injected_tokens, ttft_millis, duration_millis, outcome, streamed,"
            + " created_at";

    private final JdbcClient jdbc;
    private final ModelPriceService prices;

    UsageLedger(JdbcClient jdbc, ModelPriceService prices) {
        this.jdbc = jdbc;
        this.prices = prices;
    }

    /**
     * Appends one request's usage in the caller's transaction, under the admitted request id, tenant and key.
     *
     * @throws org.springframework.dao.DuplicateKeyException when the request was already metered
     */
    @Transactional
    public void append(String requestId, UUID tenantId, UUID keyId, UsageRecord usage, Instant at) {
        var ttft = usage.timeToFirstToken();
        jdbc.sql("INSERT INTO usage_event (" + COLUMNS + ", usage_day)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(requestId, tenantId, keyId, usage.model(), usage.adapter(), usage.promptTokens(),
                        usage.completionTokens(), usage.cachedTokens(), usage.injectedTokens(),
                        ttft == null ? null : ttft.toMillis(), usage.duration().toMillis(), usage.outcome().name(),
                        usage.streamed(), at.atOffset(ZoneOffset.UTC), at.atOffset(ZoneOffset.UTC).toLocalDate())
                .update();
    }

    @Override
    @Transactional(readOnly = true)
    public List<DailyUsage> daily(UUID tenantId, LocalDate from, LocalDate to) {
        return dailyTotals("tenant_id = ? AND ", List.of(tenantId), from, to);
    }

    @Override
    @Transactional(readOnly = true)
    public List<DailyUsage> dailyAllTenants(LocalDate from, LocalDate to) {
        return dailyTotals("", List.of(), from, to);
    }

    private List<DailyUsage> dailyTotals(String tenantFilter, List<Object> tenantParams, LocalDate from,
            LocalDate to) {
        var priceByModel = prices.byModel();
        var params = new ArrayList<Object>(tenantParams);
        params.add(from);
        params.add(to);
        return jdbc.sql("""
                SELECT usage_day, tenant_id, model, adapter, COUNT(*) AS requests, SUM(prompt_tokens) AS prompt,
                       SUM(completion_tokens) AS completion, SUM(cached_tokens) AS cached,
                       SUM(injected_tokens) AS injected
                FROM usage_event WHERE %susage_day >= ? AND usage_day <= ?
                GROUP BY usage_day, tenant_id, model, adapter
                ORDER BY usage_day, tenant_id, model, adapter NULLS FIRST""".formatted(tenantFilter))
                .params(params)
                .query((rs, n) -> {
                    var model = rs.getString("model");
                    long prompt = rs.getLong("prompt");
                    long completion = rs.getLong("completion");
                    return new DailyUsage(rs.getObject("usage_day", LocalDate.class),
                            rs.getObject("tenant_id", UUID.class), model, rs.getString("adapter"),
                            rs.getLong("requests"), prompt, completion, rs.getLong("cached"), rs.getLong("injected"),
                            priceByModel.getOrDefault(model, ModelPrice.FREE).cost(prompt, completion));
                })
                .list();
    }

    @Override
    @Transactional(readOnly = true)
    public LatencyPercentiles latency(@Nullable UUID tenantId, LocalDate from, LocalDate to) {
        var params = new ArrayList<Object>();
        if (tenantId != null) {
            params.add(tenantId);
        }
        params.add(from);
        params.add(to);
        // PERCENTILE_CONT ignores NULLs, so time to first token is over the requests that produced a token
        return jdbc.sql("""
                SELECT COUNT(*),
                       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY ttft_millis),
                       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY ttft_millis),
                       PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY ttft_millis),
                       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY duration_millis),
                       PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY duration_millis),
                       PERCENTILE_CONT(0.99) WITHIN GROUP (ORDER BY duration_millis)
                FROM usage_event WHERE %susage_day >= ? AND usage_day <= ?"""
                .formatted(tenantId == null ? "" : "tenant_id = ? AND "))
                .params(params)
                .query((rs, n) -> new LatencyPercentiles(rs.getLong(1), rs.getDouble(2), rs.getDouble(3),
                        rs.getDouble(4), rs.getDouble(5), rs.getDouble(6), rs.getDouble(7)))
                .single();
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<UsageRecord> find(UUID tenantId, String requestId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM usage_event WHERE tenant_id = ? AND request_id = ?")
                .params(tenantId, requestId).query(UsageLedger::row).optional();
    }

    @Override
    @Transactional(readOnly = true)
    public void exportCsv(UUID tenantId, LocalDate from, LocalDate to, Writer out) throws IOException {
        writeCsv(out, false, "SELECT " + COLUMNS + " FROM usage_event WHERE tenant_id = ? AND usage_day >= ?"
                + " AND usage_day <= ? ORDER BY created_at, request_id", tenantId, from, to);
    }

    @Override
    @Transactional(readOnly = true)
    public void exportCsvAllTenants(LocalDate from, LocalDate to, Writer out) throws IOException {
        writeCsv(out, true, "SELECT (SELECT t.name FROM tenant t WHERE t.id = usage_event.tenant_id) AS tenant_name, "
                + COLUMNS + " FROM usage_event WHERE usage_day >= ? AND usage_day <= ?"
                + " ORDER BY created_at, request_id", from, to);
    }

    /** Streams the rows of {@code sql} as CSV, without holding them; the first write failure ends the export. */
    private void writeCsv(Writer out, boolean withTenant, String sql, Object... params) throws IOException {
        out.write((withTenant ? "tenant," : "") + "request_id,created_at,key_id,model,adapter,prompt_tokens,"
                + "completion_tokens,cached_tokens,injected_tokens,ttft_ms,duration_ms,outcome,streamed\n");
        var failure = new IOException[1];
        jdbc.sql(sql).params(params).query(rs -> {
            if (failure[0] != null) {
                return;
            }
            try {
                if (withTenant) {
                    out.write(csvField(nullToEmpty(rs.getString("tenant_name"))) + ",");
                }
                writeCsvRow(rs, out);
            } catch (IOException e) {
                failure[0] = e;
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        out.flush();
    }

    private static void writeCsvRow(ResultSet rs, Writer out) throws SQLException, IOException {
        var ttft = rs.getObject("ttft_millis");
        String[] fields = {rs.getString("request_id"),
                rs.getObject("created_at", OffsetDateTime.class).toInstant().toString(), rs.getString("key_id"),
                rs.getString("model"), nullToEmpty(rs.getString("adapter")), rs.getString("prompt_tokens"),
                rs.getString("completion_tokens"), rs.getString("cached_tokens"), rs.getString("injected_tokens"),
                ttft == null ? "" : ttft.toString(), rs.getString("duration_millis"), rs.getString("outcome"),
                Boolean.toString(rs.getBoolean("streamed"))};
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                out.write(',');
            }
            out.write(csvField(fields[i]));
        }
        out.write('\n');
    }

    /** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
    static String csvField(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0
                && value.indexOf('\r') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static String nullToEmpty(@Nullable String value) {
        return value == null ? "" : value;
    }

    private static UsageRecord row(ResultSet rs, int rowNum) throws SQLException {
        long ttft = rs.getLong("ttft_millis");
        var ttftNull = rs.wasNull();
        return new UsageRecord(rs.getString("request_id"), rs.getObject("tenant_id", UUID.class),
                rs.getObject("key_id", UUID.class), rs.getString("model"), rs.getString("adapter"),
                rs.getInt("prompt_tokens"), rs.getInt("completion_tokens"), rs.getInt("cached_tokens"),
                rs.getInt("injected_tokens"), ttftNull ? null : Duration.ofMillis(ttft),
                Duration.ofMillis(rs.getLong("duration_millis")),
                Outcome.valueOf(rs.getString("outcome")), rs.getBoolean("streamed"));
    }
}
