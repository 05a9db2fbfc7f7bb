package io.moeplatform.admin.overview;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GpuMemory;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(OverviewController.class)
@ConsoleSliceTest
@Import(EngineStatusFeed.class)
class OverviewControllerTests {

    @Autowired
    MockMvc mvc;
    @MockitoBean
    InferenceService inference;
    @MockitoBean
    TenantService tenants;

    static EngineStatus engine(String backendNote) {
        return new EngineStatus(true, "cpu", backendNote, List.of(new ModelInfo("moe-demo", "mixtral", 4096, "cpu",
                List.of())), 3, 2, 30, 120, 0.5, 42.5);
    }

    @Test
    void rendersTheEngineStatusForEveryRole() throws Exception {
        given(inference.status()).willReturn(engine(""));
        mvc.perform(get("/admin").with(ConsoleUsers.tenantViewer(UUID.randomUUID()))).andExpect(status().isOk())
                .andExpect(content().string(containsString("data-field=\"runningSequences\">3<")))
                .andExpect(content().string(containsString("data-field=\"kvBlocksTotal\">120<")))
                .andExpect(content().string(containsString("moe-demo")))
                .andExpect(content().string(containsString("data-stream=\"/admin/overview/stream\"")))
                .andExpect(content().string(containsString("hidden=\"hidden\"")));
    }

    @Test
    void warnsWithTheCauseWhenCudaIsUnavailable() throws Exception {
        given(inference.status()).willReturn(engine("CUDA unavailable: libcuda.so.1 not found"));
        mvc.perform(get("/admin").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString("The CUDA backend is unavailable")))
                .andExpect(content().string(containsString("libcuda.so.1 not found")))
                .andExpect(content().string(not(containsString("hidden=\"hidden\""))));
    }

    @Test
    void showsGpuMemoryWhenTheEngineRunsOnCuda() throws Exception {
        var gpu = new GpuMemory("NVIDIA H100 80GB HBM3", 85_000_000_000L, 5_000_000_000L, 61_100_000_000L,
                16_000_000_000L);
        given(inference.status()).willReturn(new EngineStatus(true, "cuda", "", List.of(new ModelInfo("qwen3",
                "qwen3_moe", 4096, "cuda", List.of())), 0, 0, 0, 100, 0, 0, gpu));
        mvc.perform(get("/admin").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(containsString("NVIDIA H100 80GB HBM3")))
                .andExpect(content().string(containsString("data-field=\"gpuUsedGb\" data-format=\"decimal\">80.0<")))
                .andExpect(
                        content().string(containsString("data-field=\"gpuWeightsGb\" data-format=\"decimal\">61.1<")));
        given(inference.status()).willReturn(engine(""));
        mvc.perform(get("/admin").with(ConsoleUsers.platformAdmin())).andExpect(status().isOk())
                .andExpect(content().string(not(containsString("gpuUsedGb"))));
    }

    @Test
    void streamsStatusAsServerSentEvents() throws Exception {
        given(inference.status()).willReturn(engine(""));
        var started = mvc.perform(get("/admin/overview/stream").with(ConsoleUsers.platformAdmin()))
                .andExpect(request().asyncStarted()).andReturn();
        // the first event is sent at once; the emitter stays open, so read what was written so far
        var body = started.getResponse().getContentAsString();
        org.assertj.core.api.Assertions.assertThat(body).startsWith("event:status\ndata:{")
                .contains("\"runningSequences\":3", "\"tokensPerSecond\":42.5", "\"cudaUnavailable\":false");
        org.assertj.core.api.Assertions.assertThat(started.getResponse().getContentType())
                .startsWith("text/event-stream");
    }

    @Test
    void streamNeedsASignedInUser() throws Exception {
        mvc.perform(get("/admin/overview/stream")).andExpect(status().is3xxRedirection());
    }
}
