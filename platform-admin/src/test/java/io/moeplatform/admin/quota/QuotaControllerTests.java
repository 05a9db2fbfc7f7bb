package io.moeplatform.admin.quota;

import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.quota.QuotaConsumption;
import io.moeplatform.core.quota.QuotaConsumptionReader;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

@WebMvcTest(QuotaController.class)
@ConsoleSliceTest
class QuotaControllerTests {

    static final TenantView ACME = new TenantView(UUID.randomUUID(), "acme", TenantStatus.ACTIVE,
            new TenantPlan(5000, 100_000, 60, 4, 1024, Set.of("moe-demo"), 2), Instant.EPOCH);

    @Autowired
    MockMvc mvc;
    @MockitoBean
    TenantService tenants;
    @MockitoBean
    QuotaConsumptionReader consumption;

    @BeforeEach
    void acme() {
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        given(consumption.consumption(ACME.id())).willReturn(new QuotaConsumption(1234, 56, 7890, 56, 7, 1));
    }

    @Test
    void showsEachLimitWithItsCurrentConsumption() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/quotas", ACME.id()).with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("value=\"5000\"")))
                .andExpect(content().string(containsString("Today: 1,234 used, 56 reserved by running requests")))
                .andExpect(content().string(containsString("This minute: 7 requests")))
                .andExpect(content().string(containsString("Running now: 1")))
                .andExpect(content().string(containsString("value=\"moe-demo\"")));
    }

    @Test
    void savesAValidPlanThroughTheTenantService() throws Exception {
        mvc.perform(plan("1000", "20000").param("allowedModels", "a, b").with(ConsoleUsers.platformAdmin()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/quotas"));
        verify(tenants).updatePlan(ACME.id(), new TenantPlan(1000, 20000, 10, 2, 256, Set.of("a", "b"), 3), "root");
    }

    @Test
    void rejectsInvalidValuesBesideTheirFields() throws Exception {
        mvc.perform(plan("-1", "abc").param("allowedModels", "a,,b").with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("id=\"tokensPerDay-error\"")))
                .andExpect(content().string(containsString("Must be at least 0.")))
                .andExpect(content().string(containsString("Enter a whole number.")))
                .andExpect(content().string(containsString("names must not be empty")));
        mvc.perform(plan("1000", "500").param("allowedModels", "").with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("must not be smaller than the daily one")));
        verify(tenants, never()).updatePlan(any(), any(), any());
    }

    @Test
    void tenantUsersSeeTheirLimitsReadOnlyAndCannotRaiseThem() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/quotas", ACME.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isOk()).andExpect(content().string(containsString("<fieldset disabled")));
        mvc.perform(plan("0", "0").param("allowedModels", "").with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isForbidden());
        verify(tenants, never()).updatePlan(any(), any(), any());
    }

    private static MockHttpServletRequestBuilder plan(String perDay, String perMonth) {
        return post("/admin/tenants/{id}/quotas", ACME.id()).with(csrf()).param("tokensPerDay", perDay)
                .param("tokensPerMonth", perMonth).param("requestsPerMinute", "10")
                .param("maxConcurrentRequests", "2").param("maxTokensPerRequest", "256")
                .param("schedulingWeight", "3");
    }
}
