package io.moeplatform.admin.system;

import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.user.ConsoleUserService;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(PasswordController.class)
@ConsoleSliceTest
class PasswordControllerTests {

    @Autowired
    MockMvc mvc;
    @MockitoBean
    ConsoleUserService users;
    @MockitoBean
    CurrentPasswordCheck passwordCheck;
    @MockitoBean
    TenantService tenants;

    @Test
    void changesThePasswordOfTheSignedInUserEvenAViewer() throws Exception {
        given(passwordCheck.matches("viewer", "old-password-123")).willReturn(true);
        mvc.perform(post("/admin/password").with(ConsoleUsers.tenantViewer(UUID.randomUUID())).with(csrf())
                .param("currentPassword", "old-password-123").param("newPassword", "new-password-456")
                .param("confirmPassword", "new-password-456"))
                .andExpect(status().is3xxRedirection()).andExpect(redirectedUrl("/admin"));
        verify(users).changePassword("viewer", "new-password-456", "viewer");
    }

    @Test
    void showsEachProblemBesideItsField() throws Exception {
        given(passwordCheck.matches(anyString(), anyString())).willReturn(false);
        mvc.perform(post("/admin/password").with(ConsoleUsers.platformAdmin()).with(csrf())
                .param("currentPassword", "guess").param("newPassword", "short").param("confirmPassword", "other"))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("id=\"currentPassword-error\"")))
                .andExpect(content().string(containsString("This is not your current password.")))
                .andExpect(content().string(containsString("Must have at least 12 characters.")))
                .andExpect(content().string(containsString("The two new passwords differ.")))
                .andExpect(content().string(containsString("aria-invalid=\"true\"")));
        verify(users, never()).changePassword(any(), any(), any());
    }

    @Test
    void refusesAChangeWithoutCsrfToken() throws Exception {
        mvc.perform(post("/admin/password").with(ConsoleUsers.platformAdmin()).param("currentPassword", "x")
                .param("newPassword", "new-password-456").param("confirmPassword", "new-password-456"))
                .andExpect(status().isForbidden());
        verify(users, never()).changePassword(any(), any(), any());
    }

    @Test
    void formHasThreePasswordFields() throws Exception {
        mvc.perform(get("/admin/password").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString("name=\"confirmPassword\"")));
    }
}
