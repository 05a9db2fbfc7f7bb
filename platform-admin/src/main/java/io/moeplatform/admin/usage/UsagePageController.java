package io.moeplatform.admin.usage;

import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.VisibleTenants;
import io.moeplatform.core.metering.UsageQueryService;
import io.moeplatform.core.metering.UsageReportService;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDate;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.context.MessageSource;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

/**
 * Usage and cost: tokens and cost per day, per tenant, per model and per adapter (Chart.js draws them from JSON
 * in the page), latency percentiles, and usage events as CSV (one tenant's, or all tenants' for the platform
 * admin). Tenant-bound users see only their tenant. (Named apart from the API's {@code UsageController}: both are
 * beans of one application.)
 */
@Controller
class UsagePageController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final UsageQueryService usage;
    private final UsageReportService reports;
    private final ConsoleAccess access;
    private final VisibleTenants visibleTenants;
    private final MessageSource messages;
    private final Clock clock;

    UsagePageController(UsageQueryService usage, UsageReportService reports, ConsoleAccess access,
            VisibleTenants visibleTenants, MessageSource messages, Clock clock) {
        this.usage = usage;
        this.reports = reports;
        this.access = access;
        this.visibleTenants = visibleTenants;
        this.messages = messages;
        this.clock = clock;
    }

    @GetMapping("/admin/usage")
    String usage(@RequestParam(required = false) @Nullable UUID tenant,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate to,
            Model model, Locale locale) {
        var chosen = access.pick(tenant);
        var period = UsagePeriod.of(from, to, clock);
        var rows = chosen == null
                ? reports.dailyAllTenants(period.from(), period.to())
                : usage.daily(chosen, period.from(), period.to());
        var charts = UsageCharts.of(period, rows, visibleTenants.namesById(),
                messages.getMessage("usage.noAdapter", null, locale));
        model.addAttribute("tenants", visibleTenants.list());
        model.addAttribute("tenant", chosen);
        model.addAttribute("period", period);
        model.addAttribute("charts", charts);
        model.addAttribute("chartJson", JSON.writeValueAsString(charts));
        model.addAttribute("latency", reports.latency(chosen, period.from(), period.to()));
        return "console/usage";
    }

    /** One tenant's events, or every tenant's (with a tenant column) for the platform admin who picked none. */
    @GetMapping("/admin/usage.csv")
    void csv(@RequestParam(required = false) @Nullable UUID tenant,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate to,
            HttpServletResponse response) throws IOException {
        var chosen = access.pick(tenant);
        var name = chosen == null ? "all-tenants" : visibleTenants.require(chosen).name();
        var period = UsagePeriod.of(from, to, clock);
        response.setContentType("text/csv;charset=UTF-8");
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                .filename("usage-" + name + "-" + period.from() + "-" + period.to() + ".csv").build().toString());
        var out = new OutputStreamWriter(response.getOutputStream(), StandardCharsets.UTF_8);
        if (chosen == null) {
            reports.exportCsvAllTenants(period.from(), period.to(), out);
        } else {
            usage.exportCsv(chosen, period.from(), period.to(), out);
        }
        out.flush();
    }
}
