package io.moeplatform.admin.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.verify;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditEvent;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(AuditController.class)
@ConsoleSliceTest
class AuditControllerTests {

    static final TenantView ACME = new TenantView(UUID.randomUUID(), "acme", TenantStatus.ACTIVE,
            TenantPlan.unlimited(), Instant.EPOCH);

    @Autowired
    MockMvc mvc;
    @MockitoBean
    AuditLog audit;
    @MockitoBean
    TenantService tenants;

    @Test
    void filtersByTenantActorActionAndDays() throws Exception {
        given(tenants.list()).willReturn(List.of(ACME));
        given(audit.find(any())).willReturn(List.of(new AuditEvent(1, Instant.parse("2026-03-01T10:00:00Z"), "root",
                AuditAction.API_KEY_REVOKED, ACME.id(), "sk-moe-aaaa1111", "{\"keyId\":\"k\"}")));
        mvc.perform(get("/admin/audit").param("tenant", ACME.id().toString()).param("actor", " root ")
                .param("action", "API_KEY_REVOKED").param("from", "2026-03-01").param("to", "2026-03-02")
                .with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString("key revoked")))
                .andExpect(content().string(containsString("<td>acme</td>")))
                .andExpect(content().string(containsString("sk-moe-aaaa1111")));
        var query = ArgumentCaptor.forClass(AuditQuery.class);
        verify(audit).find(query.capture());
        assertThat(query.getValue()).isEqualTo(new AuditQuery(ACME.id(), "root", AuditAction.API_KEY_REVOKED,
                Instant.parse("2026-03-01T00:00:00Z"), Instant.parse("2026-03-03T00:00:00Z"),
                AuditController.PAGE_SIZE + 1, 0));
    }

    @Test
    void pagesKeepTheFiltersAndKnowWhenThereIsANextPage() throws Exception {
        given(tenants.list()).willReturn(List.of(ACME));
        var fullPage = new java.util.ArrayList<AuditEvent>();
        for (int i = 0; i <= AuditController.PAGE_SIZE; i++) {
            fullPage.add(new AuditEvent(i, Instant.parse("2026-03-01T10:00:00Z"), "root", AuditAction.TENANT_CREATED,
                    ACME.id(), "t" + i, "{}"));
        }
        given(audit.find(any())).willReturn(fullPage);
        mvc.perform(get("/admin/audit").param("actor", "root").param("page", "2").with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("Entries 201 to 300")))
                .andExpect(content().string(containsString("href=\"/admin/audit?actor=root&amp;page=3\"")))
                .andExpect(content().string(containsString("href=\"/admin/audit?actor=root&amp;page=1\"")))
                .andExpect(content().string(org.hamcrest.Matchers.not(containsString(">t100<"))));
        var query = ArgumentCaptor.forClass(AuditQuery.class);
        verify(audit).find(query.capture());
        assertThat(query.getValue().offset()).isEqualTo(2 * AuditController.PAGE_SIZE);
        assertThat(query.getValue().limit()).isEqualTo(AuditController.PAGE_SIZE + 1);
    }

    @Test
    void tenantUsersReadOnlyTheirTenantsEntries() throws Exception {
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        mvc.perform(get("/admin/audit").with(ConsoleUsers.tenantViewer(ACME.id()))).andExpect(status().isOk());
        var query = ArgumentCaptor.forClass(AuditQuery.class);
        verify(audit).find(query.capture());
        assertThat(query.getValue().tenantId()).isEqualTo(ACME.id());
        mvc.perform(get("/admin/audit").param("tenant", UUID.randomUUID().toString())
                .with(ConsoleUsers.tenantViewer(ACME.id()))).andExpect(status().isForbidden());
    }
}
