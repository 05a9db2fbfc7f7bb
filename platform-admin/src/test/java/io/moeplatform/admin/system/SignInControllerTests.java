package io.moeplatform.admin.system;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.core.tenant.TenantService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(SignInController.class)
@ConsoleSliceTest
class SignInControllerTests {

    @Autowired
    MockMvc mvc;
    @MockitoBean
    TenantService tenants;

    @Test
    void signInPageHasTheFormWithCsrfTokenAndNoNavigation() throws Exception {
        mvc.perform(get("/admin/login")).andExpect(status().isOk())
                .andExpect(content().string(containsString("name=\"_csrf\"")))
                .andExpect(content().string(containsString("action=\"/admin/login\"")))
                .andExpect(content().string(containsString("autocomplete=\"current-password\"")))
                .andExpect(content().string(not(containsString("href=\"/admin/tenants\""))))
                .andExpect(header().string("Content-Security-Policy",
                        ConsoleSecurityConfiguration.CONTENT_SECURITY_POLICY));
    }

    @Test
    void showsTheReasonOfAFailedOrLockedSignIn() throws Exception {
        mvc.perform(get("/admin/login?error")).andExpect(content().string(containsString("Wrong user name")));
        mvc.perform(get("/admin/login?locked")).andExpect(content().string(containsString("locked")));
    }

    @Test
    void switchesToSimplifiedChineseAndRemembersIt() throws Exception {
        var result = mvc.perform(get("/admin/login").param("lang", "zh_CN")).andExpect(status().isOk())
                .andExpect(content().string(containsString("<h1>登录</h1>")))
                .andExpect(content().string(containsString("lang=\"zh-CN\""))).andReturn();
        var cookie = result.getResponse().getCookie("console-lang");
        mvc.perform(get("/admin/login").cookie(cookie)).andExpect(content().string(containsString("用户名")));
    }

    @Test
    void anonymousVisitorsAreSentToSignIn() throws Exception {
        mvc.perform(get("/admin/tenants")).andExpect(status().is3xxRedirection())
                .andExpect(redirectedUrl("/admin/login"));
    }

    @Test
    void deniedPageSaysSoWith403() throws Exception {
        mvc.perform(get("/admin/denied").with(ConsoleUsers.platformAdmin())).andExpect(status().isForbidden())
                .andExpect(content().string(containsString("Not allowed")));
    }
}
