package io.moeplatform.admin.user;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
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
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUser;
import io.moeplatform.core.user.ConsoleUserService;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(ConsoleUserController.class)
@ConsoleSliceTest
class ConsoleUserControllerTests {

    static final TenantView ACME = new TenantView(UUID.randomUUID(), "acme", TenantStatus.ACTIVE,
            TenantPlan.unlimited(), Instant.EPOCH);
    static final ConsoleUser ROOT = new ConsoleUser(UUID.randomUUID(), "root", ConsoleRole.PLATFORM_ADMIN, null,
            true, 0, null, Instant.EPOCH);
    /** Locked until an hour after the slice's fixed clock. */
    static final ConsoleUser OPS = new ConsoleUser(UUID.randomUUID(), "ops", ConsoleRole.TENANT_ADMIN, ACME.id(),
            true, 0, ConsoleSliceTest.NOW.plusSeconds(3600), Instant.EPOCH);

    @Autowired
    MockMvc mvc;
    @MockitoBean
    ConsoleUserService users;
    @MockitoBean
    TenantService tenants;

    @BeforeEach
    void twoUsers() {
        given(users.list(null)).willReturn(List.of(OPS, ROOT));
        given(users.find("root")).willReturn(Optional.of(ROOT));
        given(users.find("ops")).willReturn(Optional.of(OPS));
        given(tenants.list()).willReturn(List.of(ACME));
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
    }

    @Test
    void onlyThePlatformAdminReachesThePage() throws Exception {
        mvc.perform(get("/admin/users").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString(">ops<")))
                .andExpect(content().string(containsString(">acme<")))
                .andExpect(content().string(containsString("locked until 2026-03-10 13:00 UTC")))
                .andExpect(content().string(containsString("Unlock")));
        mvc.perform(get("/admin/users").with(ConsoleUsers.tenantAdmin(ACME.id()))).andExpect(status().isForbidden());
        mvc.perform(post("/admin/users/ops/unlock").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isForbidden());
        verify(users, never()).unlock(anyString(), anyString());
    }

    @Test
    void createValidatesBesideTheFields() throws Exception {
        mvc.perform(post("/admin/users").param("name", "new user").param("role", "TENANT_ADMIN")
                .param("newPassword", "short").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("Use 1 to 100 letters")))
                .andExpect(content().string(containsString("Must have at least 12 characters.")))
                .andExpect(content().string(containsString("Choose the tenant this role belongs to.")));
        mvc.perform(post("/admin/users").param("name", "ops").param("role", "PLATFORM_ADMIN")
                .param("tenantId", ACME.id().toString()).param("newPassword", "a long enough password")
                .with(ConsoleUsers.platformAdmin()).with(csrf())).andExpect(status().isOk())
                .andExpect(content().string(containsString("A user of that name exists already.")))
                .andExpect(content().string(containsString("leave the tenant empty")));
        verify(users, never()).create(anyString(), anyString(), any(), any(), anyString());
    }

    @Test
    void createsATenantAdmin() throws Exception {
        mvc.perform(post("/admin/users").param("name", "alice").param("role", "TENANT_ADMIN")
                .param("tenantId", ACME.id().toString()).param("newPassword", "a long enough password")
                .with(ConsoleUsers.platformAdmin()).with(csrf())).andExpect(redirectedUrl("/admin/users"))
                .andExpect(flash().attribute("notice", "users.createdNotice"));
        verify(users).create("alice", "a long enough password", ConsoleRole.TENANT_ADMIN, ACME.id(), "root");
    }

    @Test
    void unlocksDisablesAndResetsPasswordsButNeverTheSignedInUsersOwnAccount() throws Exception {
        mvc.perform(post("/admin/users/ops/unlock").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(redirectedUrl("/admin/users"));
        verify(users).unlock("ops", "root");
        mvc.perform(post("/admin/users/ops/disable").with(ConsoleUsers.platformAdmin()).with(csrf()));
        verify(users).setEnabled("ops", false, "root");

        mvc.perform(post("/admin/users/root/delete").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(flash().attribute("notice", "users.notYourself"));
        verify(users, never()).delete(anyString(), anyString());

        mvc.perform(post("/admin/users/ops/password").param("newPassword", "short").with(ConsoleUsers.platformAdmin())
                .with(csrf())).andExpect(status().isOk())
                .andExpect(content().string(containsString("Must have at least 12 characters.")));
        verify(users, never()).changePassword(anyString(), anyString(), anyString());
        mvc.perform(post("/admin/users/ops/password").param("newPassword", "a long enough password")
                .with(ConsoleUsers.platformAdmin()).with(csrf())).andExpect(redirectedUrl("/admin/users"));
        verify(users).changePassword("ops", "a long enough password", "root");

        mvc.perform(post("/admin/users/nobody/unlock").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(status().isNotFound());
    }

    @Test
    void theNavigationShowsUsersOnlyToThePlatformAdmin() throws Exception {
        mvc.perform(get("/admin/users").with(ConsoleUsers.platformAdmin()))
                .andExpect(content().string(containsString("href=\"/admin/users\"")));
        mvc.perform(get("/admin/users").with(ConsoleUsers.platformAdmin()).param("lang", "zh_CN"))
                .andExpect(content().string(containsString("控制台用户")))
                .andExpect(content().string(not(containsString("Console users"))));
    }
}
