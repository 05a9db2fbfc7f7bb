package io.moeplatform.admin.playground;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(PlaygroundController.class)
@ConsoleSliceTest
class PlaygroundControllerTests {

    @Autowired
    MockMvc mvc;
    @MockitoBean
    InferenceService inference;
    @MockitoBean
    TenantService tenants;

    @Test
    void offersTheServedModelsAndAKeyFieldThatIsNeverSubmittedToTheConsole() throws Exception {
        given(inference.models()).willReturn(List.of(new ModelInfo("moe-demo", "mixtral", 4096, "cpu", List.of())));
        mvc.perform(get("/admin/playground").with(ConsoleUsers.tenantViewer(UUID.randomUUID())))
                .andExpect(status().isOk()).andExpect(content().string(containsString("moe-demo (cpu)")))
                .andExpect(content().string(containsString("data-endpoint=\"/v1/chat/completions\"")))
                // the form has no action and the key input no name: the browser script sends it to /v1 only
                .andExpect(content().string(containsString("<form id=\"playground-form\" class=\"stacked wide\">")))
                .andExpect(content().string(not(containsString("name=\"key\""))));
    }
}
