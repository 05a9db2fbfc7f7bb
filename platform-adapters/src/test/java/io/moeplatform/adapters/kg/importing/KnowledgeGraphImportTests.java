package io.moeplatform.adapters.kg.importing;

import static io.moeplatform.adapters.testing.AdaptersTestContext.resource;
import static io.moeplatform.adapters.testing.AdaptersTestContext.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.kg.index.GraphIndex;
import io.moeplatform.adapters.kg.store.KgVersionStatus;
import io.moeplatform.adapters.kg.store.KgVersionView;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import io.moeplatform.adapters.testing.AdaptersTestContext;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

class KnowledgeGraphImportTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static ConfigurableApplicationContext context;
    static AdapterCatalog catalog;
    static KnowledgeGraphImporter importer;
    static KnowledgeGraphStore store;

    @BeforeAll
    static void start() {
        context = AdaptersTestContext.start(db, "platform.adapters.kg.max-entities=20",
                "platform.adapters.kg.max-relations=30", "platform.adapters.kg.max-upload-size=4KB");
        catalog = context.getBean(AdapterCatalog.class);
        importer = context.getBean(KnowledgeGraphImporter.class);
        store = context.getBean(KnowledgeGraphStore.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    private UUID tenantWithGraph(String name) {
        UUID tenant = AdaptersTestContext.tenant(context);
        catalog.create(tenant, new NewAdapter(name, AdapterKind.KNOWLEDGE_GRAPH, null, true), "test");
        return tenant;
    }

    /** Names and relation lines ("source -type-> target") of the adapter's active graph, read from the tables. */
    private static List<String> graph(UUID tenant, String name) {
        var adapter = catalog.get(tenant, name);
        KgVersionView active = store.activeVersion(adapter.id()).orElseThrow();
        GraphIndex index = GraphIndex.load(store, adapter.id(), active.id());
        var lines = new ArrayList<String>();
        for (int e = 0; e < index.entityCount(); e++) {
            lines.add(index.name(e) + (index.type(e) == null ? "" : " [" + index.type(e) + "]")
                    + (index.details(e).isEmpty() ? "" : " " + index.details(e)));
        }
        for (int r = 0; r < index.relationCount(); r++) {
            lines.add(index.name(index.relationSource(r)) + " -" + index.relationType(r) + "("
                    + index.relationWeight(r) + ")-> " + index.name(index.relationTarget(r)));
        }
        return lines;
    }

    @Test
    void importsJsonWithAliasesTypesAttributesAndWeights() {
        UUID tenant = tenantWithGraph("bank");
        var version = importer.importGraph(tenant, "bank", GraphFormat.JSON, resource("bank.json"), "alice");

        assertThat(version.status()).isEqualTo(KgVersionStatus.READY);
        assertThat(version.version()).isEqualTo(1);
        assertThat(version.entities()).isEqualTo(6);
        assertThat(version.relations()).isEqualTo(5);
        assertThat(version.active()).isTrue();
        assertThat(graph(tenant, "bank")).contains(
                "招商银行 [Bank] aliases: CMB, China Merchants Bank; founded: 1987; headquarters: 深圳",
                "招商银行 -offers(0.9)-> 信用卡", "逾期管理规定 -issued_by(1.0)-> 中国人民银行");
    }

    @Test
    void jsonRelationsMayReferToEntitiesListedAfterThem() {
        UUID tenant = tenantWithGraph("late");
        importer.importGraph(tenant, "late", GraphFormat.JSON, text("""
                {"relations": [{"source": "a", "target": "b", "type": "knows"}],
                 "entities": [{"id": "a", "name": "Alice"}, {"id": "b", "name": "Bob"}]}"""), "t");
        assertThat(graph(tenant, "late")).containsExactly("Alice", "Bob", "Alice -knows(1.0)-> Bob");
    }

    @Test
    void malformedJsonNamesLineAndNothingIsStored() {
        UUID tenant = tenantWithGraph("broken");
        assertThatThrownBy(() -> importer.importGraph(tenant, "broken", GraphFormat.JSON, text("""
                {"entities": [
                  {"id": "a", "name": "Alice"},
                  {"id": "b", "name": "Bob",}
                ]}"""), "t")).isInstanceOf(GraphImportException.class).hasMessageContaining("line 3");
        assertFailedAndEmpty(tenant, "broken");
    }

    @Test
    void invalidJsonElementsAreAllReportedWithTheirPaths() {
        UUID tenant = tenantWithGraph("invalid");
        assertThatThrownBy(() -> importer.importGraph(tenant, "invalid", GraphFormat.JSON, text("""
                {"entities": [
                  {"id": "a", "name": "Alice"},
                  {"id": "b"},
                  {"id": "a", "name": "Alice again"}
                ],
                "relations": [
                  {"source": "a", "target": "zed", "type": "knows"},
                  {"source": "a", "target": "a", "type": "knows", "weight": -1}
                ]}"""), "t"))
                .isInstanceOfSatisfying(GraphImportException.class, e -> assertThat(e.problems())
                        .extracting(ImportProblem::toString)
                        .containsExactly("$.entities[1].name (line 3): \"name\" is required",
                                "$.entities[2] (line 4): duplicate entity id 'a' (entity #1 has it already)",
                                "$.relations[1].weight (line 8): weight must be a finite number ≥ 0",
                                "$.relations[0] (line 7): relation refers to unknown entity 'zed'"));
        assertFailedAndEmpty(tenant, "invalid");
    }

    @Test
    void importsCsvTriplesWithHeaderQuotesAndWeights() {
        UUID tenant = tenantWithGraph("csv");
        var version = importer.importGraph(tenant, "csv", GraphFormat.CSV, text("""
                subject,predicate,object,weight
                招商银行,offers,信用卡,0.9
                "Acme, Inc.",supplies,"The ""Best"" Bank"
                信用卡,governed_by,逾期管理规定
                """), "t");
        assertThat(version.entities()).isEqualTo(5);
        assertThat(graph(tenant, "csv")).contains("招商银行 -offers(0.9)-> 信用卡",
                "Acme, Inc. -supplies(1.0)-> The \"Best\" Bank", "信用卡 -governed_by(1.0)-> 逾期管理规定");
    }

    @Test
    void malformedCsvNamesTheLines() {
        UUID tenant = tenantWithGraph("badcsv");
        assertThatThrownBy(() -> importer.importGraph(tenant, "badcsv", GraphFormat.CSV, text("""
                a,knows,b
                a,knows
                "unclosed,knows,c
                a,likes,b,heavy
                """), "t")).isInstanceOfSatisfying(GraphImportException.class, e -> assertThat(e.problems())
                .extracting(ImportProblem::location).containsExactly("line 2", "line 3", "line 4"));
        assertFailedAndEmpty(tenant, "badcsv");
    }

    @Test
    void importsTurtleWithLabelsAliasesTypesAndAttributes() {
        UUID tenant = tenantWithGraph("ttl");
        importer.importGraph(tenant, "ttl", GraphFormat.TURTLE, text("""
                @prefix ex: <http://example.com/bank#> .
                @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
                @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
                ex:cmb a ex:Bank ;
                    rdfs:label "招商银行"@zh ;
                    skos:altLabel "CMB" ;
                    ex:founded 1987 ;
                    ex:offers ex:card .
                ex:card rdfs:label "信用卡" .
                """), "t");
        assertThat(graph(tenant, "ttl")).containsExactly("招商银行 [Bank] aliases: CMB; founded: 1987", "信用卡",
                "招商银行 -offers(1.0)-> 信用卡");
    }

    @Test
    void malformedTurtleNamesTheLine() {
        UUID tenant = tenantWithGraph("badttl");
        assertThatThrownBy(() -> importer.importGraph(tenant, "badttl", GraphFormat.TURTLE, text("""
                @prefix ex: <http://example.com/> .
                ex:a ex:knows ex:b .
                ex:b ex:knows ex:c
                ex:c ex:knows ex:a .
                """), "t")).isInstanceOf(GraphImportException.class).hasMessageContaining("line 4");
        assertFailedAndEmpty(tenant, "badttl");
    }

    @Test
    void importsNTriples() {
        UUID tenant = tenantWithGraph("nt");
        importer.importGraph(tenant, "nt", GraphFormat.N_TRIPLES, text("""
                <http://example.com/alice> <http://www.w3.org/2000/01/rdf-schema#label> "Alice" .
                <http://example.com/alice> <http://example.com/knows> <http://example.com/bob> .
                """), "t");
        assertThat(graph(tenant, "nt")).containsExactly("Alice", "bob", "Alice -knows(1.0)-> bob");
    }

    @Test
    void malformedNTriplesNamesTheLine() {
        UUID tenant = tenantWithGraph("badnt");
        assertThatThrownBy(() -> importer.importGraph(tenant, "badnt", GraphFormat.N_TRIPLES, text("""
                <http://example.com/a> <http://example.com/knows> <http://example.com/b> .
                <http://example.com/b> <http://example.com/knows> "unterminated .
                """), "t")).isInstanceOf(GraphImportException.class).hasMessageContaining("line 2");
        assertFailedAndEmpty(tenant, "badnt");
    }

    @Test
    void reimportCreatesNewVersionAndFailedReimportKeepsThePreviousOneServing() {
        UUID tenant = tenantWithGraph("versions");
        var first = importer.importGraph(tenant, "versions", GraphFormat.CSV, text("a,knows,b\n"), "t");
        assertThatThrownBy(() -> importer.importGraph(tenant, "versions", GraphFormat.CSV, text("a,knows\n"), "t"))
                .isInstanceOf(GraphImportException.class);
        var adapter = catalog.get(tenant, "versions");
        assertThat(store.activeVersion(adapter.id()).orElseThrow().id()).isEqualTo(first.id());

        var third = importer.importGraph(tenant, "versions", GraphFormat.CSV, text("a,knows,b\nb,knows,c\n"), "t");
        assertThat(third.version()).isEqualTo(3);
        assertThat(store.activeVersion(adapter.id()).orElseThrow().id()).isEqualTo(third.id());
        assertThat(importer.versions(tenant, "versions")).extracting(KgVersionView::status)
                .containsExactly(KgVersionStatus.READY, KgVersionStatus.FAILED, KgVersionStatus.RETIRED);
        // the retired version's rows are gone
        assertThat(store.rowCounts(first.id())).isEqualTo(new KnowledgeGraphStore.RowCounts(0, 0));
        assertThat(store.rowCounts(third.id())).isEqualTo(new KnowledgeGraphStore.RowCounts(3, 2));
    }

    @Test
    void sizeLimitsAreEnforced() {
        UUID tenant = tenantWithGraph("limits");
        var many = new StringBuilder();
        for (int i = 0; i < 11; i++) {
            many.append("e").append(i).append(",next,f").append(i).append('\n');
        }
        assertThatThrownBy(() -> importer.importGraph(tenant, "limits", GraphFormat.CSV, text(many.toString()), "t"))
                .hasMessageContaining("line 11: the graph has more than 20 entities");
        assertThatThrownBy(() -> importer.importGraph(tenant, "limits", GraphFormat.CSV,
                text("a,b,c\n".repeat(1000)), "t")).hasMessageContaining("larger than 4096 bytes");
        assertFailedAndEmpty(tenant, "limits");
    }

    @Test
    void importRequiresAKnowledgeGraphAdapterOfTheCallersTenant() {
        UUID owner = tenantWithGraph("private");
        UUID other = AdaptersTestContext.tenant(context);
        assertThatThrownBy(() -> importer.importGraph(other, "private", GraphFormat.CSV, text("a,b,c\n"), "t"))
                .isInstanceOfSatisfying(AdapterException.class,
                        e -> assertThat(e.reason()).isEqualTo(AdapterException.Reason.NOT_FOUND));
        catalog.create(owner, new NewAdapter("weights", AdapterKind.LORA, null, true), "t");
        assertThatThrownBy(() -> importer.importGraph(owner, "weights", GraphFormat.CSV, text("a,b,c\n"), "t"))
                .isInstanceOfSatisfying(AdapterException.class,
                        e -> assertThat(e.reason()).isEqualTo(AdapterException.Reason.INVALID));
    }

    private static void assertFailedAndEmpty(UUID tenant, String name) {
        var adapter = catalog.get(tenant, name);
        var versions = store.versions(adapter.id());
        assertThat(versions).isNotEmpty().allSatisfy(v -> {
            assertThat(v.status()).isEqualTo(KgVersionStatus.FAILED);
            assertThat(v.error()).isNotBlank();
            assertThat(store.rowCounts(v.id())).isEqualTo(new KnowledgeGraphStore.RowCounts(0, 0));
        });
        assertThat(store.activeVersion(adapter.id())).isEmpty();
    }
}
