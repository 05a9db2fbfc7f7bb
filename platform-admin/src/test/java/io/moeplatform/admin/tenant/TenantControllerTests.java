package io.moeplatform.admin.tenant;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.tenant.TenantPage;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(TenantController.class)
@ConsoleSliceTest
class TenantControllerTests {

    static final TenantView ACME = new TenantView(UUID.randomUUID(), "acme", TenantStatus.ACTIVE,
            TenantPlan.unlimited(), Instant.parse("2026-01-02T03:04:05Z"));
    static final TenantView GLOBEX = new TenantView(UUID.randomUUID(), "globex", TenantStatus.SUSPENDED,
            TenantPlan.unlimited(), Instant.parse("2026-01-03T03:04:05Z"));

    @Autowired
    MockMvc mvc;
    @MockitoBean
    TenantService tenants;

    @Test
    void platformAdminSearchesAndPages() throws Exception {
        given(tenants.search("ac", 1, TenantController.PAGE_SIZE))
                .willReturn(new TenantPage(List.of(ACME), 1, TenantController.PAGE_SIZE, 41));
        mvc.perform(get("/admin/tenants").param("q", "ac").param("page", "1").with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isOk()).andExpect(content().string(containsString(">acme</a>")))
                .andExpect(content().string(containsString("41 tenants")))
                .andExpect(content().string(containsString("Page 2 of 3")))
                .andExpect(content().string(containsString("href=\"/admin/tenants?q=ac&amp;page=2\"")))
                .andExpect(content().string(containsString("href=\"/admin/tenants/new\"")));
    }

    @Test
    void tenantUserSeesOnlyItsOwnTenantAndNoCreateButton() throws Exception {
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        mvc.perform(get("/admin/tenants").param("q", "glob").with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isOk()).andExpect(content().string(containsString(">acme</a>")))
                .andExpect(content().string(not(containsString("globex"))))
                .andExpect(content().string(not(containsString("/admin/tenants/new"))));
        verify(tenants, never()).search(any(), org.mockito.ArgumentMatchers.anyInt(),
                org.mockito.ArgumentMatchers.anyInt());
    }

    @Test
    void createsATenantAsTheSignedInUser() throws Exception {
        given(tenants.findByName("initech")).willReturn(Optional.empty());
        given(tenants.create("initech", TenantPlan.unlimited(), "root")).willReturn(ACME);
        mvc.perform(post("/admin/tenants").param("name", "initech").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id()))
                .andExpect(flash().attribute("notice", "tenants.createdNotice"));
    }

    @Test
    void invalidOrTakenNamesAreShownBesideTheField() throws Exception {
        mvc.perform(post("/admin/tenants").param("name", "no spaces!").with(ConsoleUsers.platformAdmin())
                .with(csrf())).andExpect(status().isOk())
                .andExpect(content().string(containsString("id=\"name-error\"")))
                .andExpect(content().string(containsString("Use 1 to 100 letters")));
        given(tenants.findByName("acme")).willReturn(Optional.of(ACME));
        mvc.perform(post("/admin/tenants").param("name", "acme").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("A tenant with this name exists already.")));
        verify(tenants, never()).create(any(), any(), any());
    }

    @Test
    void onlyThePlatformAdminCreatesSuspendsOrResumes() throws Exception {
        mvc.perform(post("/admin/tenants").param("name", "x").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post("/admin/tenants/{id}/suspend", ACME.id()).with(ConsoleUsers.tenantAdmin(ACME.id()))
                .with(csrf())).andExpect(status().isForbidden());
        mvc.perform(get("/admin/tenants/new").with(ConsoleUsers.tenantViewer(ACME.id())))
                .andExpect(status().isForbidden());
        verify(tenants, never()).suspend(any(), any());
    }

    @Test
    void suspendsAndResumesThroughTheService() throws Exception {
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        mvc.perform(post("/admin/tenants/{id}/suspend", ACME.id()).with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id()));
        verify(tenants).suspend(ACME.id(), "root");
        mvc.perform(post("/admin/tenants/{id}/resume", ACME.id()).with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id()));
        verify(tenants).resume(ACME.id(), "root");
    }

    @Test
    void tenantPageShowsPlanAndForbidsOtherTenantsUsers() throws Exception {
        given(tenants.find(GLOBEX.id())).willReturn(Optional.of(GLOBEX));
        mvc.perform(get("/admin/tenants/{id}", GLOBEX.id()).with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("suspended")))
                .andExpect(content().string(containsString("Resume tenant")));
        mvc.perform(get("/admin/tenants/{id}", GLOBEX.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isForbidden());
    }

    @Test
    void unknownOrMalformedIdsGetTheNotFoundPageWithoutStackTrace() throws Exception {
        mvc.perform(get("/admin/tenants/{id}", UUID.randomUUID()).with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isNotFound())
                .andExpect(content().string(containsString("does not exist")));
        mvc.perform(get("/admin/tenants/not-a-uuid").with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isNotFound()).andExpect(content().string(not(containsString("Exception"))));
    }

    @Test
    void serviceFailuresShowTheErrorPageWithAReferenceOnly() throws Exception {
        given(tenants.find(ACME.id())).willThrow(new IllegalStateException("database on fire"));
        mvc.perform(get("/admin/tenants/{id}", ACME.id()).with(ConsoleUsers.platformAdmin()))
                .andExpect(status().isInternalServerError())
                .andExpect(content().string(containsString("Reference for the administrator")))
                .andExpect(content().string(not(containsString("database on fire"))));
    }
}
