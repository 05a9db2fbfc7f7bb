package io.moeplatform.admin.apikey;

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
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.apikey.ApiKeyService;
import io.moeplatform.core.apikey.ApiKeyView;
import io.moeplatform.core.apikey.IssuedApiKey;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(ApiKeyController.class)
@ConsoleSliceTest
class ApiKeyControllerTests {

    static final TenantView ACME = new TenantView(UUID.randomUUID(), "acme", TenantStatus.ACTIVE,
            TenantPlan.unlimited(), Instant.EPOCH);
    static final ApiKeyView CI_KEY = new ApiKeyView(UUID.randomUUID(), ACME.id(), "ci", "sk-moe-aaaa1111",
            Set.of("inference"), Instant.EPOCH, null, null, null);
    static final ApiKeyView OLD_KEY = new ApiKeyView(UUID.randomUUID(), ACME.id(), "old", "sk-moe-bbbb2222",
            Set.of("inference"), Instant.EPOCH, null, Instant.EPOCH, null);

    @Autowired
    MockMvc mvc;
    @MockitoBean
    ApiKeyService keys;
    @MockitoBean
    TenantService tenants;

    @BeforeEach
    void acme() {
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        given(keys.list(ACME.id())).willReturn(List.of(CI_KEY, OLD_KEY));
    }

    @Test
    void listsKeysByPrefixWithTheirState() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/keys", ACME.id()).with(ConsoleUsers.tenantViewer(ACME.id())))
                .andExpect(status().isOk()).andExpect(content().string(containsString("sk-moe-aaaa1111")))
                .andExpect(content().string(containsString(">revoked<")))
                .andExpect(content().string(not(containsString("Issue a key"))));
        mvc.perform(get("/admin/tenants/{id}/keys", ACME.id()).param("prefix", "SK-MOE-BB")
                .with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString("sk-moe-bbbb2222")))
                .andExpect(content().string(not(containsString("sk-moe-aaaa1111"))));
    }

    @Test
    void issuedSecretIsShownOnceWithACopyButtonAndNotCached() throws Exception {
        var expiry = Instant.parse("2026-04-02T00:00:00Z"); // end of the chosen last day, UTC
        given(keys.issue(ACME.id(), "batch", Set.of("inference", "usage:read"), expiry, "tadmin"))
                .willReturn(new IssuedApiKey(UUID.randomUUID(), ACME.id(), "sk-moe-cccc3333",
                        "sk-moe-cccc3333-the-secret"));
        mvc.perform(post("/admin/tenants/{id}/keys", ACME.id()).param("name", "batch")
                .param("scopes", "inference, usage:read").param("expiresOn", "2026-04-01")
                .with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf())).andExpect(status().isOk())
                .andExpect(header().string("Cache-Control", "no-store"))
                .andExpect(content().string(containsString("value=\"sk-moe-cccc3333-the-secret\"")))
                .andExpect(content().string(containsString("data-copy=\"issued-secret\"")))
                .andExpect(content().string(containsString("shown only this once")));
        mvc.perform(get("/admin/tenants/{id}/keys", ACME.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(content().string(not(containsString("the-secret"))));
    }

    @Test
    void invalidScopesAndPastExpiryAreShownBesideTheirFields() throws Exception {
        mvc.perform(post("/admin/tenants/{id}/keys", ACME.id()).param("name", "x").param("scopes", "Bad Scope!")
                .param("expiresOn", "2026-03-09").with(ConsoleUsers.platformAdmin()).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("id=\"scopes-error\"")))
                .andExpect(content().string(containsString("Choose today or a later day.")));
        verify(keys, never()).issue(any(), any(), any(), any(), any());
    }

    @Test
    void revokesOnlyKeysOfTheTenantInThePath() throws Exception {
        given(keys.find(CI_KEY.keyId())).willReturn(Optional.of(CI_KEY));
        mvc.perform(post("/admin/tenants/{t}/keys/{k}/revoke", ACME.id(), CI_KEY.keyId())
                .with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/keys"));
        verify(keys).revoke(CI_KEY.keyId(), "tadmin");

        var other = new TenantView(UUID.randomUUID(), "other", TenantStatus.ACTIVE, TenantPlan.unlimited(),
                Instant.EPOCH);
        given(tenants.find(other.id())).willReturn(Optional.of(other));
        mvc.perform(post("/admin/tenants/{t}/keys/{k}/revoke", other.id(), CI_KEY.keyId())
                .with(ConsoleUsers.platformAdmin()).with(csrf())).andExpect(status().isNotFound());
    }

    @Test
    void viewersAndOtherTenantsCannotChangeKeys() throws Exception {
        mvc.perform(post("/admin/tenants/{id}/keys", ACME.id()).param("name", "x").param("scopes", "inference")
                .with(ConsoleUsers.tenantViewer(ACME.id())).with(csrf())).andExpect(status().isForbidden());
        mvc.perform(post("/admin/tenants/{id}/keys", ACME.id()).param("name", "x").param("scopes", "inference")
                .with(ConsoleUsers.tenantAdmin(UUID.randomUUID())).with(csrf())).andExpect(status().isForbidden());
        mvc.perform(get("/admin/tenants/{id}/keys", ACME.id()).with(ConsoleUsers.tenantAdmin(UUID.randomUUID())))
                .andExpect(status().isForbidden());
        verify(keys, never()).issue(any(), any(), any(), any(), any());
    }

    @Test
    void navigationEntrySendsTenantUsersToTheirKeysAndLetsTheAdminPick() throws Exception {
        mvc.perform(get("/admin/keys").with(ConsoleUsers.tenantViewer(ACME.id())))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/keys"));
        given(tenants.list()).willReturn(List.of(ACME));
        mvc.perform(get("/admin/keys").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString("href=\"/admin/keys?tenant=" + ACME.id() + "\"")));
    }
}
