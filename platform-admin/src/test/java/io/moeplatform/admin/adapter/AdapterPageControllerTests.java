package io.moeplatform.admin.adapter;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyList;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.ArgumentMatchers.isNull;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.flash;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.kg.importing.GraphFormat;
import io.moeplatform.adapters.kg.importing.GraphImportException;
import io.moeplatform.adapters.kg.importing.ImportProblem;
import io.moeplatform.adapters.kg.importing.KnowledgeGraphImporter;
import io.moeplatform.adapters.kg.retrieval.Fact;
import io.moeplatform.adapters.kg.retrieval.KnowledgeContext;
import io.moeplatform.adapters.kg.retrieval.LinkedEntity;
import io.moeplatform.adapters.kg.store.KgVersionStatus;
import io.moeplatform.adapters.kg.store.KgVersionView;
import io.moeplatform.adapters.lora.LoraAdapterRegistry;
import io.moeplatform.adapters.lora.LoraVersion;
import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.admin.system.ConsoleSliceTest;
import io.moeplatform.admin.system.ConsoleUsers;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantView;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.PromptCodec;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.util.unit.DataSize;

@WebMvcTest(AdapterPageController.class)
@ConsoleSliceTest
class AdapterPageControllerTests {

    static final TenantView ACME = tenant("acme");
    static final TenantView GLOBEX = tenant("globex");
    static final AdapterView LEGAL = adapter(ACME, "legal", AdapterKind.KNOWLEDGE_GRAPH, true, true);
    static final AdapterView TONE = adapter(ACME, "tone", AdapterKind.LORA, false, false);
    static final KgVersionView V1 = new KgVersionView(UUID.randomUUID(), LEGAL.id(), 1, KgVersionStatus.READY, "json",
            1204, 3311, null, "root", Instant.EPOCH, Instant.EPOCH, true);
    static final KgVersionView V2_FAILED = new KgVersionView(UUID.randomUUID(), LEGAL.id(), 2,
            KgVersionStatus.FAILED, "csv", 0, 0, "line 7: the relation has 2 columns, not 3", "root", Instant.EPOCH,
            Instant.EPOCH, false);
    static final LoraVersion TONE_V1 = new LoraVersion(UUID.randomUUID(), TONE.id(), 1, "moe-demo", 16, 32.0, false,
            List.of("q_proj", "v_proj"), 8, 123_456, 400_000, "ab12cd34", "root", Instant.EPOCH);

    @Autowired
    MockMvc mvc;
    @MockitoBean
    AdapterCatalog catalog;
    @MockitoBean
    KnowledgeGraphImporter importer;
    @MockitoBean
    LoraAdapterRegistry lora;
    @MockitoBean
    AdapterResolver resolver;
    @MockitoBean
    InferenceService inference;
    @MockitoBean
    TenantService tenants;

    @BeforeEach
    void acme() {
        given(tenants.find(ACME.id())).willReturn(Optional.of(ACME));
        given(tenants.find(GLOBEX.id())).willReturn(Optional.of(GLOBEX));
        given(catalog.list(ACME.id())).willReturn(List.of(LEGAL, TONE));
        given(catalog.find(ACME.id(), "legal")).willReturn(Optional.of(LEGAL));
        given(catalog.find(ACME.id(), "tone")).willReturn(Optional.of(TONE));
        given(importer.versions(ACME.id(), "legal")).willReturn(List.of(V2_FAILED, V1));
        given(lora.current(TONE)).willReturn(Optional.of(TONE_V1));
        given(lora.versions(ACME.id(), "tone")).willReturn(List.of(TONE_V1));
        given(lora.maxUploadBytes()).willReturn(DataSize.ofMegabytes(512).toBytes());
        given(resolver.properties()).willReturn(new KnowledgeGraphProperties(1000, 1000, DataSize.ofMegabytes(256),
                2, List.of(), 512, 64, 16, 4, KnowledgeGraphProperties.DEFAULT_TEMPLATE,
                KnowledgeGraphProperties.Placement.MERGE));
        given(inference.models()).willReturn(List.of(new ModelInfo("moe-demo", "qwen3_moe", 4096, "cpu", List.of())));
    }

    @Test
    void listsATenantsAdaptersWithKindStateAndDefault() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/adapters", ACME.id()).with(ConsoleUsers.tenantViewer(ACME.id())))
                .andExpect(status().isOk()).andExpect(content().string(containsString(">legal</a>")))
                .andExpect(content().string(containsString("tenant default")))
                .andExpect(content().string(containsString(">LoRA<")))
                .andExpect(content().string(not(containsString("New adapter"))))
                .andExpect(content().string(not(containsString("href=\"/admin/users\""))));
        mvc.perform(get("/admin/adapters").with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/adapters"));
    }

    @Test
    void anotherTenantsAdaptersAreForbiddenToATenantAdmin() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/adapters", GLOBEX.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isForbidden());
        mvc.perform(post("/admin/tenants/{id}/adapters/legal/delete", GLOBEX.id())
                .with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf())).andExpect(status().isForbidden());
        verify(catalog, never()).delete(any(), anyString(), anyString());
    }

    @Test
    void createValidatesTheNameBesideTheFieldAndRefusesADuplicate() throws Exception {
        mvc.perform(post("/admin/tenants/{id}/adapters", ACME.id()).param("name", "Bad Name!")
                .param("kind", "KNOWLEDGE_GRAPH").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("aria-invalid=\"true\"")))
                .andExpect(content().string(containsString("1 to 63 lower-case letters")));
        verify(catalog, never()).create(any(), any(), anyString());

        given(catalog.create(eq(ACME.id()), any(NewAdapter.class), eq("tadmin")))
                .willThrow(new AdapterException(AdapterException.Reason.CONFLICT, "exists", "name"));
        mvc.perform(post("/admin/tenants/{id}/adapters", ACME.id()).param("name", "legal")
                .param("kind", "KNOWLEDGE_GRAPH").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isOk())
                .andExpect(content().string(containsString("already has an adapter of that name")));

        mvc.perform(post("/admin/tenants/{id}/adapters", ACME.id()).param("name", "fresh").param("kind", "LORA")
                .param("baseModel", "not-served").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("not served here")));
    }

    @Test
    void createsAnAdapterAndGoesToItsPage() throws Exception {
        given(catalog.create(eq(ACME.id()), any(NewAdapter.class), eq("tadmin"))).willReturn(TONE);
        mvc.perform(post("/admin/tenants/{id}/adapters", ACME.id()).param("name", "tone").param("kind", "LORA")
                .param("baseModel", "moe-demo").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/adapters/tone"));
        verify(catalog).create(ACME.id(), new NewAdapter("tone", AdapterKind.LORA, "moe-demo", true), "tadmin");
    }

    @Test
    void changesNeedCsrfAndAnAdministrator() throws Exception {
        mvc.perform(post("/admin/tenants/{id}/adapters/legal/disable", ACME.id())
                .with(ConsoleUsers.tenantAdmin(ACME.id()))).andExpect(status().isForbidden());
        mvc.perform(post("/admin/tenants/{id}/adapters/legal/disable", ACME.id())
                .with(ConsoleUsers.tenantViewer(ACME.id())).with(csrf())).andExpect(status().isForbidden());
        verify(catalog, never()).setEnabled(any(), anyString(), eq(false), anyString());

        mvc.perform(post("/admin/tenants/{id}/adapters/legal/disable", ACME.id())
                .with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/adapters/legal"))
                .andExpect(flash().attribute("notice", "adapters.disabledNotice"));
        verify(catalog).setEnabled(ACME.id(), "legal", false, "tadmin");

        mvc.perform(post("/admin/tenants/{id}/adapters/tone/default", ACME.id())
                .with(ConsoleUsers.platformAdmin()).with(csrf()));
        verify(catalog).setDefault(ACME.id(), "tone", "root");
        mvc.perform(post("/admin/tenants/{id}/default-adapter/clear", ACME.id())
                .with(ConsoleUsers.platformAdmin()).with(csrf()));
        verify(catalog).clearDefault(ACME.id(), "root");
    }

    @Test
    void graphPageShowsStatsVersionsAndProblemsOfFailedImports() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/adapters/legal", ACME.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isOk()).andExpect(content().string(containsString(">1204<")))
                .andExpect(content().string(containsString(">3311<")))
                .andExpect(content().string(containsString("line 7: the relation has 2 columns, not 3")))
                .andExpect(content().string(containsString("<td>1970-01-01 00:00 UTC</td>")))
                .andExpect(content().string(containsString("enctype=\"multipart/form-data\"")))
                .andExpect(content().string(containsString("name=\"_csrf\"")))
                // adapters.js refuses a larger file beside the field before sending it
                .andExpect(content().string(containsString("data-max-bytes=\"268435456\"")))
                .andExpect(content().string(containsString("larger than the 256 MB accepted here")));
        mvc.perform(get("/admin/tenants/{id}/adapters/nope", ACME.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isNotFound());
    }

    @Test
    void uploadedGraphIsImportedWithTheChosenFormat() throws Exception {
        given(importer.importGraph(eq(ACME.id()), eq("legal"), eq(GraphFormat.CSV), any(InputStream.class),
                eq("tadmin"))).willReturn(V1);
        var file = new MockMultipartFile("file", "graph.csv", "text/csv", "a,knows,b\n".getBytes());
        mvc.perform(multipart("/admin/tenants/{id}/adapters/legal/graph", ACME.id()).file(file)
                .param("format", "csv").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(redirectedUrl("/admin/tenants/" + ACME.id() + "/adapters/legal"))
                .andExpect(flash().attribute("notice", "adapters.graphImportedNotice"));
    }

    @Test
    void uploadsNeedCsrfAnAdministratorAndTheirOwnTenant() throws Exception {
        var file = new MockMultipartFile("file", "graph.csv", "text/csv", "a,knows,b\n".getBytes());
        mvc.perform(multipart("/admin/tenants/{id}/adapters/legal/graph", ACME.id()).file(file)
                .param("format", "csv").with(ConsoleUsers.tenantAdmin(ACME.id()))).andExpect(status().isForbidden());
        mvc.perform(multipart("/admin/tenants/{id}/adapters/legal/graph", ACME.id()).file(file)
                .param("format", "csv").with(ConsoleUsers.tenantViewer(ACME.id())).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(multipart("/admin/tenants/{id}/adapters/legal/graph", ACME.id()).file(file)
                .param("format", "csv").with(ConsoleUsers.tenantAdmin(GLOBEX.id())).with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(multipart("/admin/tenants/{id}/adapters/tone/lora", ACME.id()).file(file)
                .with(ConsoleUsers.tenantAdmin(GLOBEX.id())).with(csrf())).andExpect(status().isForbidden());
        mvc.perform(post("/admin/tenants/{id}/adapters/legal/preview", ACME.id()).param("prompt", "acme")
                .with(ConsoleUsers.tenantAdmin(GLOBEX.id())).with(csrf())).andExpect(status().isForbidden());
        verify(importer, never()).importGraph(any(), anyString(), any(), any(), anyString());
        verify(lora, never()).upload(any(), anyString(), any(), any(), anyString());
        verify(resolver, never()).knowledge(any(), anyList(), any(), any());
    }

    @Test
    void refusedGraphShowsItsLineNumberedProblemsBesideTheUpload() throws Exception {
        given(importer.importGraph(eq(ACME.id()), eq("legal"), eq(GraphFormat.JSON), any(InputStream.class),
                anyString())).willThrow(new GraphImportException(
                        List.of(new ImportProblem("line 3", "an entity needs an id"))));
        var file = new MockMultipartFile("file", "graph.json", "application/json", "{\"entities\":[{}]}".getBytes());
        mvc.perform(multipart("/admin/tenants/{id}/adapters/legal/graph", ACME.id()).file(file)
                .param("format", "json").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("was not imported")))
                .andExpect(content().string(containsString("line 3")))
                .andExpect(content().string(containsString("an entity needs an id")));

        mvc.perform(multipart("/admin/tenants/{id}/adapters/legal/graph", ACME.id()).param("format", "json")
                .with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf())).andExpect(status().isOk())
                .andExpect(content().string(containsString("Choose a file.")));
    }

    @Test
    void loraPageShowsRankTargetsAndRefusalsOfTheEngine() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/adapters/tone", ACME.id()).with(ConsoleUsers.tenantAdmin(ACME.id())))
                .andExpect(status().isOk()).andExpect(content().string(containsString("q_proj, v_proj")))
                .andExpect(content().string(containsString("ab12cd34")))
                .andExpect(content().string(containsString("id=\"lora-rank\">16<")));

        given(lora.upload(eq(ACME.id()), eq("tone"), isNull(), any(InputStream.class), eq("tadmin")))
                .willThrow(AdapterException.invalid("lora_A of layer 0 q_proj has shape [4, 64], expected [4, 256]",
                        "file"));
        var zip = new MockMultipartFile("file", "tone.zip", "application/zip", new byte[]{0x50, 0x4b});
        mvc.perform(multipart("/admin/tenants/{id}/adapters/tone/lora", ACME.id()).file(zip)
                .with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf())).andExpect(status().isOk())
                .andExpect(content().string(containsString("were not stored")))
                .andExpect(content().string(containsString("expected [4, 256]")));
    }

    @Test
    void previewShowsLinkedEntitiesFactsAndTheExactInjectedText() throws Exception {
        var context = new KnowledgeContext(List.of(new LinkedEntity("ACME Corp", "company", 1, "acme")),
                List.of(new Fact("ACME Corp", "headquartered_in", "Berlin", 1.0, 1)),
                "Knowledge base \"legal\":\n- ACME Corp headquartered_in Berlin", 17);
        given(inference.codec("moe-demo")).willReturn(mock(PromptCodec.class));
        given(resolver.knowledge(eq(LEGAL), anyList(), any(PromptCodec.class), any())).willReturn(context);
        mvc.perform(post("/admin/tenants/{id}/adapters/legal/preview", ACME.id())
                .param("prompt", "Where is acme based?").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("17 tokens would be injected")))
                .andExpect(content().string(containsString("headquartered_in")))
                .andExpect(content().string(containsString("- ACME Corp headquartered_in Berlin")))
                .andExpect(content().string(containsString("Where is acme based?")));

        // the preview changes nothing: a viewer of the tenant may run it too
        mvc.perform(post("/admin/tenants/{id}/adapters/legal/preview", ACME.id())
                .param("prompt", "Where is acme based?").with(ConsoleUsers.tenantViewer(ACME.id())).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("17 tokens would be injected")));

        mvc.perform(post("/admin/tenants/{id}/adapters/legal/preview", ACME.id()).param("prompt", " ")
                .param("maxInjectedTokens", "0").with(ConsoleUsers.tenantAdmin(ACME.id())).with(csrf()))
                .andExpect(status().isOk()).andExpect(content().string(containsString("Required.")))
                .andExpect(content().string(containsString("Must be at least 1.")));
    }

    @Test
    void pagesRenderInChinese() throws Exception {
        mvc.perform(get("/admin/tenants/{id}/adapters/legal", ACME.id()).param("lang", "zh_CN")
                .with(ConsoleUsers.tenantAdmin(ACME.id()))).andExpect(status().isOk())
                .andExpect(content().string(containsString("注入预览")));
        verifyNoInteractions(lora);
    }

    private static TenantView tenant(String name) {
        return new TenantView(UUID.randomUUID(), name, TenantStatus.ACTIVE, TenantPlan.unlimited(), Instant.EPOCH);
    }

    private static AdapterView adapter(TenantView tenant, String name, AdapterKind kind, boolean enabled,
            boolean tenantDefault) {
        return new AdapterView(UUID.randomUUID(), tenant.id(), name, kind, null, enabled, tenantDefault,
                Instant.EPOCH, Instant.EPOCH);
    }
}
