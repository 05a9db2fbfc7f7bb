package io.moeplatform.api.usage;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.core.apikey.AuthenticatedKey;
import io.moeplatform.core.metering.DailyUsage;
import io.moeplatform.core.metering.UsageQueryService;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Usage of the calling key's own tenant, and only that tenant: the tenant id comes from the key, never from the
 * request. Days are UTC, {@code from} and {@code to} inclusive; without them, the last 30 days.
 */
@RestController
class UsageController {

    static final int MAX_DAYS = 366;

    private final UsageQueryService usage;

    UsageController(UsageQueryService usage) {
        this.usage = usage;
    }

    record Row(LocalDate date, String model, @Nullable String adapter, long requests,
            @JsonProperty("prompt_tokens") long promptTokens, @JsonProperty("completion_tokens") long completionTokens,
            @JsonProperty("cached_tokens") long cachedTokens, @JsonProperty("injected_tokens") long injectedTokens,
            BigDecimal cost) {

        static Row of(DailyUsage day) {
            return new Row(day.day(), day.model(), day.adapter(), day.requests(), day.promptTokens(),
                    day.completionTokens(), day.cachedTokens(), day.injectedTokens(), day.cost());
        }
    }

    record UsagePage(String object, LocalDate from, LocalDate to, List<Row> data) {}

    @GetMapping("/v1/usage")
    UsagePage daily(@AuthenticationPrincipal AuthenticatedKey caller,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate to) {
        LocalDate end = to != null ? to : LocalDate.now(ZoneOffset.UTC);
        LocalDate start = from != null ? from : end.minusDays(29);
        checkPeriod(start, end);
        return new UsagePage("list", start, end,
                usage.daily(caller.tenantId(), start, end).stream().map(Row::of).toList());
    }

    @GetMapping("/v1/usage/export.csv")
    void exportCsv(@AuthenticationPrincipal AuthenticatedKey caller,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate to,
            HttpServletResponse response) throws IOException {
        LocalDate end = to != null ? to : LocalDate.now(ZoneOffset.UTC);
        LocalDate start = from != null ? from : end.minusDays(29);
        checkPeriod(start, end);
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader("Content-Disposition", "attachment; filename=\"usage-" + start + "-" + end + ".csv\"");
        Writer out = new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8);
        usage.exportCsv(caller.tenantId(), start, end, out);
        out.flush();
    }

    private static void checkPeriod(LocalDate from, LocalDate to) {
        if (from.isAfter(to)) {
            throw OpenAiApiException.invalidParameter("from", "from must not be after to.");
        }
        if (ChronoUnit.DAYS.between(from, to) >= MAX_DAYS) {
            throw OpenAiApiException.invalidParameter("from", "Ask for at most " + MAX_DAYS + " days at a time.");
        }
    }
}
