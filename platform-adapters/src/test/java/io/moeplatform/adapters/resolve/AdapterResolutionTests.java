package io.moeplatform.adapters.resolve;

import static io.moeplatform.adapters.testing.AdaptersTestContext.resource;
import static io.moeplatform.adapters.testing.AdaptersTestContext.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterException.Reason;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.kg.importing.GraphFormat;
import io.moeplatform.adapters.kg.importing.KnowledgeGraphImporter;
import io.moeplatform.adapters.kg.index.GraphIndexCache;
import io.moeplatform.adapters.kg.retrieval.LinkedEntity;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import io.moeplatform.adapters.testing.AdaptersTestContext;
import io.moeplatform.adapters.testing.DemoCodec;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import io.moeplatform.core.testing.PostgresTestSchema;
import io.moeplatform.inference.ChatMessage;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** The catalog and resolution per tenant: names, defaults, enabled flags, base models, and isolation. */
class AdapterResolutionTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static ConfigurableApplicationContext context;
    static AdapterCatalog catalog;
    static AdapterResolver resolver;
    static KnowledgeGraphImporter importer;

    @BeforeAll
    static void start() {
        context = AdaptersTestContext.start(db);
        catalog = context.getBean(AdapterCatalog.class);
        resolver = context.getBean(AdapterResolver.class);
        importer = context.getBean(KnowledgeGraphImporter.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    private static UUID tenantWithBankGraph() {
        UUID tenant = AdaptersTestContext.tenant(context);
        catalog.create(tenant, new NewAdapter("bank", AdapterKind.KNOWLEDGE_GRAPH, null, true), "alice");
        importer.importGraph(tenant, "bank", GraphFormat.JSON, resource("bank.json"), "alice");
        return tenant;
    }

    @Test
    void namesAreValidatedAndUniquePerTenantAcrossKinds() {
        UUID tenant = AdaptersTestContext.tenant(context);
        catalog.create(tenant, new NewAdapter("risk-rules.v2", AdapterKind.KNOWLEDGE_GRAPH, "moe-demo", true), "a");
        assertThatThrownBy(() -> catalog.create(tenant, new NewAdapter("risk-rules.v2", AdapterKind.LORA, null, true),
                "a")).isInstanceOfSatisfying(AdapterException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CONFLICT));
        for (String bad : List.of("", "Upper", "-dash", "has:colon", "a".repeat(64), "空格")) {
            assertThatThrownBy(() -> catalog.create(tenant, new NewAdapter(bad, AdapterKind.LORA, null, true), "a"))
                    .isInstanceOfSatisfying(AdapterException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.INVALID));
        }
        // another tenant may use the same name
        UUID other = AdaptersTestContext.tenant(context);
        catalog.create(other, new NewAdapter("risk-rules.v2", AdapterKind.KNOWLEDGE_GRAPH, null, true), "b");
        assertThat(catalog.list(tenant)).extracting(AdapterView::name).containsExactly("risk-rules.v2");
        assertThat(context.getBean(AuditLog.class).find(new AuditQuery(tenant, null, AuditAction.ADAPTER_CREATED,
                null, null, 10))).hasSize(1);
    }

    @Test
    void anotherTenantsGraphCanNeverBeReadOrUsed() {
        UUID owner = tenantWithBankGraph();
        UUID other = AdaptersTestContext.tenant(context);
        catalog.create(other, new NewAdapter("mine", AdapterKind.KNOWLEDGE_GRAPH, null, true), "b");

        assertThat(catalog.find(other, "bank")).isEmpty();
        assertThat(catalog.list(other)).extracting(AdapterView::name).containsExactly("mine");
        assertThatThrownBy(() -> resolver.select(other, "moe-demo", "bank"))
                .isInstanceOfSatisfying(AdapterException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND));
        assertThatThrownBy(() -> catalog.setDefault(other, "bank", "b")).isInstanceOf(AdapterException.class);
        assertThatThrownBy(() -> catalog.delete(other, "bank", "b")).isInstanceOf(AdapterException.class);
        assertThatThrownBy(() -> importer.versions(other, "bank")).isInstanceOf(AdapterException.class);
        // the other tenant's own graph of the same entities stays its own: nothing imported, nothing injected
        var mine = resolver.resolve(resolver.select(other, "moe-demo", "mine").orElseThrow(), "moe-demo",
                List.of("招商银行的信用卡"), DemoCodec.get());
        assertThat(mine.injectedTokens()).isZero();
        // while the owner gets its graph
        var owners = resolver.resolve(resolver.select(owner, "moe-demo", "bank").orElseThrow(), "moe-demo",
                List.of("招商银行的信用卡"), DemoCodec.get());
        assertThat(owners.context().entities()).extracting(LinkedEntity::name).containsExactly("招商银行", "信用卡");
    }

    @Test
    void tenantDefaultAppliesWhenEnabledAndFittingTheModel() {
        UUID tenant = tenantWithBankGraph();
        assertThat(resolver.select(tenant, "moe-demo", null)).isEmpty();
        catalog.setDefault(tenant, "bank", "a");
        assertThat(resolver.select(tenant, "moe-demo", null)).map(AdapterView::name).contains("bank");
        assertThat(catalog.get(tenant, "bank").tenantDefault()).isTrue();

        catalog.setEnabled(tenant, "bank", false, "a");
        assertThat(resolver.select(tenant, "moe-demo", null)).isEmpty();
        assertThatThrownBy(() -> resolver.select(tenant, "moe-demo", "bank")).hasMessageContaining("disabled");
        catalog.setEnabled(tenant, "bank", true, "a");

        catalog.create(tenant, new NewAdapter("other-model", AdapterKind.KNOWLEDGE_GRAPH, "big-model", true), "a");
        catalog.setDefault(tenant, "other-model", "a");
        assertThat(catalog.get(tenant, "bank").tenantDefault()).isFalse();
        assertThat(resolver.select(tenant, "moe-demo", null)).isEmpty();
        assertThatThrownBy(() -> resolver.select(tenant, "moe-demo", "other-model"))
                .hasMessageContaining("made for the model 'big-model'");

        assertThat(catalog.clearDefault(tenant, "a")).isTrue();
        assertThat(catalog.defaultAdapter(tenant)).isEmpty();
        catalog.setDefault(tenant, "bank", "a");
        catalog.delete(tenant, "bank", "a");
        assertThat(catalog.defaultAdapter(tenant)).isEmpty();
    }

    @Test
    void injectionMergesIntoTheSystemMessageOrPrependsOne() {
        UUID tenant = tenantWithBankGraph();
        var resolved = resolver.resolve(resolver.select(tenant, "moe-demo", "bank").orElseThrow(), "moe-demo",
                List.of("CMB credit card"), DemoCodec.get());
        String injected = resolved.context().text();
        assertThat(injected).startsWith("Knowledge base \"bank\"").contains("- 招商银行 [Bank]");
        assertThat(resolved.injectedTokens()).isEqualTo(DemoCodec.get().encode(injected).length);

        var user = new ChatMessage("user", "CMB credit card");
        assertThat(resolved.applyTo(List.of(user))).containsExactly(new ChatMessage("system", injected), user);
        assertThat(resolved.applyTo(List.of(new ChatMessage("system", "Be brief."), user)))
                .containsExactly(new ChatMessage("system", "Be brief.\n\n" + injected), user);
        assertThat(resolved.applyTo("Q: CMB?")).isEqualTo(injected + "\n\nQ: CMB?");
    }

    @Test
    void reimportSwitchesToTheNewIndexAndDropsTheOldOne() throws InterruptedException {
        UUID tenant = tenantWithBankGraph();
        var adapter = resolver.select(tenant, "moe-demo", "bank").orElseThrow();
        var store = context.getBean(KnowledgeGraphStore.class);
        var cache = context.getBean(GraphIndexCache.class);
        var first = store.activeVersion(adapter.id()).orElseThrow();
        assertThat(resolver.resolve(adapter, "moe-demo", List.of("CMB"), DemoCodec.get()).injectedTokens())
                .isPositive();
        assertThat(cache.isIndexed(first.id())).isTrue();

        var second = importer.importGraph(tenant, "bank", GraphFormat.CSV, text("Zeta,knows,Eta\n"), "alice");
        // until the new index is ready, the old one may still serve; then it replaces it (the new one is put in
        // place just before the old one is dropped, so wait for both)
        for (int i = 0; i < 200 && (!cache.isIndexed(second.id()) || cache.isIndexed(first.id())); i++) {
            resolver.resolve(adapter, "moe-demo", List.of("CMB"), DemoCodec.get());
            Thread.sleep(50);
        }
        assertThat(cache.isIndexed(second.id())).isTrue();
        assertThat(cache.isIndexed(first.id())).isFalse();
        assertThat(resolver.resolve(adapter, "moe-demo", List.of("CMB"), DemoCodec.get()).injectedTokens()).isZero();
        assertThat(resolver.resolve(adapter, "moe-demo", List.of("zeta"), DemoCodec.get()).context().entities())
                .extracting(LinkedEntity::name).containsExactly("Zeta");
    }

    @Test
    void loraAdaptersWithoutUploadedWeightsAreRefused() {
        UUID tenant = AdaptersTestContext.tenant(context);
        catalog.create(tenant, new NewAdapter("style", AdapterKind.LORA, null, true), "a");
        var adapter = resolver.select(tenant, "moe-demo", "style").orElseThrow();
        assertThatThrownBy(() -> resolver.resolve(adapter, "moe-demo", List.of("hi"), DemoCodec.get()))
                .isInstanceOfSatisfying(AdapterException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.INVALID);
                    assertThat(e.getMessage()).isEqualTo(
                            "The LoRA adapter 'style' has no weights yet; upload them with PUT /v1/adapters/style/lora.");
                });
    }
}
