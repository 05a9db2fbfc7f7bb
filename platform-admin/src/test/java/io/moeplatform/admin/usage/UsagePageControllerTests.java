package io.moeplatform.admin.usage;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.willAnswer;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.metering.DailyUsage;
import io.moeplatform.core.metering.LatencyPercentiles;
import io.moeplatform.core.metering.UsageQueryService;
import io.moeplatform.core.metering.UsageReportService;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import java.io.Writer;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(UsagePageController.class)
@ConsoleSliceTest
class UsagePageControllerTests {

    static final TenantView ACME = new TenantView(UUID.randomUUID(), "acme", TenantStatus.ACTIVE,
            TenantPlan.unlimited(), Instant.EPOCH);
    static final LocalDate TODAY = LocalDate.parse("2026-03-10");

    @Autowired
    MockMvc mvc;
    @MockitoBean
    TenantService tenants;
    @MockitoBean
    UsageQueryService usage;
    @MockitoBean
    UsageReportService reports;

    @BeforeEach
    void acme() {
        given(tenants.list()).willReturn(List.of(ACME));
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        given(reports.latency(any(), any(), any())).willReturn(new LatencyPercentiles(3, 40, 50, 60, 900, 950, 990));
    }

    @Test
    void platformAdminSeesAllTenantsChartsAndLatency() throws Exception {
        given(reports.dailyAllTenants(TODAY.minusDays(29), TODAY)).willReturn(List.of(
                new DailyUsage(TODAY, ACME.id(), "moe-demo", null, 3, 100, 50, 0, 0, new BigDecimal("0.25"))));
        mvc.perform(get("/admin/usage").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content()
                        .string(containsString("&quot;perTenant&quot;:{&quot;acme&quot;:{&quot;requests&quot;:3")))
                .andExpect(content().string(containsString("&quot;perAdapter&quot;:{&quot;(none)&quot;")))
                .andExpect(content().string(
                        matchesPattern("(?s).*src=\"/admin/webjars/chart.js/[0-9.]+/dist/chart.umd.min.js\".*")))
                .andExpect(content().string(containsString("Over 3 requests")))
                .andExpect(content().string(containsString("900 ms")))
                .andExpect(content().string(not(containsString("usage.csv?tenant"))));
    }

    @Test
    void tenantUserIsLimitedToItsTenant() throws Exception {
        mvc.perform(get("/admin/usage").with(ConsoleUsers.tenantViewer(ACME.id()))).andExpect(status().isOk())
                .andExpect(content().string(containsString("/admin/usage.csv?tenant=" + ACME.id())));
        verify(usage).daily(ACME.id(), TODAY.minusDays(29), TODAY);
        verify(reports, never()).dailyAllTenants(any(), any());
        mvc.perform(get("/admin/usage").param("tenant", UUID.randomUUID().toString())
                .with(ConsoleUsers.tenantViewer(ACME.id()))).andExpect(status().isForbidden());
    }

    @Test
    void exportsTheTenantsEventsAsCsv() throws Exception {
        willAnswer(invocation -> {
            invocation.<Writer>getArgument(3).write("request_id,created_at\nr1,2026-03-10T00:00:00Z\n");
            return null;
        }).given(usage).exportCsv(eq(ACME.id()), eq(LocalDate.parse("2026-03-01")), eq(TODAY), any());
        mvc.perform(get("/admin/usage.csv").param("tenant", ACME.id().toString()).param("from", "2026-03-01")
                .with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(header().string("Content-Type", "text/csv;charset=UTF-8"))
                .andExpect(header().string("Content-Disposition", containsString("usage-acme-2026-03-01")))
                .andExpect(content().string(containsString("r1,2026-03-10T00:00:00Z")));
    }

    @Test
    void platformAdminExportsEveryTenantAndATenantUserOnlyItsOwn() throws Exception {
        willAnswer(invocation -> {
            invocation.<Writer>getArgument(2).write("tenant,request_id\nacme,r1\nglobex,r2\n");
            return null;
        }).given(reports).exportCsvAllTenants(eq(TODAY.minusDays(29)), eq(TODAY), any());
        mvc.perform(get("/admin/usage.csv").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(header().string("Content-Disposition", containsString("usage-all-tenants-")))
                .andExpect(content().string(containsString("globex,r2")));
        mvc.perform(get("/admin/usage").with(ConsoleUsers.platformAdmin()))
                .andExpect(content().string(containsString("href=\"/admin/usage.csv?from=")));

        mvc.perform(get("/admin/usage.csv").with(ConsoleUsers.tenantViewer(ACME.id()))).andExpect(status().isOk());
        verify(usage).exportCsv(eq(ACME.id()), eq(TODAY.minusDays(29)), eq(TODAY), any());
        verify(reports).exportCsvAllTenants(any(), any(), any());
    }

    @Test
    void periodIsClampedToAYear() {
        var period = UsagePeriod.of(LocalDate.parse("2020-01-01"), TODAY, java.time.Clock.systemUTC());
        org.assertj.core.api.Assertions.assertThat(period.from()).isEqualTo(TODAY.minusDays(365));
    }
}
