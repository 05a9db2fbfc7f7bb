package io.moeplatform.adapters.kg;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.kg.importing.GraphFormat;
import io.moeplatform.adapters.kg.importing.KnowledgeGraphImporter;
import io.moeplatform.adapters.kg.index.GraphIndex;
import io.moeplatform.adapters.kg.retrieval.KnowledgeRetrieval;
import io.moeplatform.adapters.kg.retrieval.RetrievalSettings;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.adapters.testing.AdaptersTestContext;
import io.moeplatform.adapters.testing.DemoCodec;
import io.moeplatform.core.testing.PostgresTestSchema;
import io.moeplatform.inference.PromptCodec;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Benchmark, not a test (surefire's default includes skip it; run it by name): the cost of a knowledge-graph
 * injection on a 100k-entity, 300k-relation graph with Chinese and Latin names, on PostgreSQL and the demo
 * model's tokenizer. Reports import time, index build time (read from the database + automaton + adjacency), and
 * per request p50/p99 of linking + 2-hop expansion + rendering under a 512-token budget, plus the full resolver
 * path (active-version lookup in the database, cached index).
 *
 * <pre>
 * ./mvnw -B -ntp test -pl platform-adapters -am -Dtest=KgInjectionBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
class KgInjectionBenchmark {

    static final int ENTITIES = 100_000;
    static final int RELATIONS = 300_000;
    static final int REQUESTS = 2000;
    static final String CJK = "招商银行信用卡贷款理财保险基金证券存款利率风险管理规定客户账户支付结算外汇债券"
            + "资产负债资本监管合规审计反洗钱征信担保抵押票据汇款转账网点柜台手机网上电子数字";

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    @Test
    void injectionLatencyOnA100kEntityGraph() {
        var random = new Random(42);
        var names = new String[ENTITIES];
        var json = new StringBuilder(ENTITIES * 120).append("{\"entities\": [\n");
        for (int i = 0; i < ENTITIES; i++) {
            names[i] = i % 2 == 0
                    ? cjkName(random, i)
                    : "Product " + Integer.toString(i, 36) + " " + (char) ('a' + i % 26);
            json.append(i == 0 ? "" : ",\n").append("{\"id\": \"e").append(i).append("\", \"name\": \"")
                    .append(names[i]).append("\", \"aliases\": [\"A").append(i).append("X\"], \"type\": \"T")
                    .append(i % 17).append("\", \"attributes\": {\"rank\": ").append(i % 1000).append("}}");
        }
        json.append("],\n\"relations\": [\n");
        for (int r = 0; r < RELATIONS; r++) {
            // a skewed degree distribution: low ids are hubs
            int source = (int) Math.min(ENTITIES - 1, Math.abs(random.nextGaussian()) * ENTITIES / 3);
            int target = random.nextInt(ENTITIES);
            json.append(r == 0 ? "" : ",\n").append("{\"source\": \"e").append(source).append("\", \"target\": \"e")
                    .append(target).append("\", \"type\": \"rel").append(r % 23).append("\", \"weight\": ")
                    .append(random.nextInt(100) / 100.0).append('}');
        }
        json.append("]}\n");
        byte[] file = json.toString().getBytes(StandardCharsets.UTF_8);
        json.setLength(0);

        try (var context = AdaptersTestContext.start(db, "platform.adapters.kg.max-upload-size=512MB")) {
            UUID tenant = AdaptersTestContext.tenant(context);
            var catalog = context.getBean(AdapterCatalog.class);
            var adapter = catalog.create(tenant, new NewAdapter("big", AdapterKind.KNOWLEDGE_GRAPH, null, true), "b");
            long t0 = System.nanoTime();
            var version = context.getBean(KnowledgeGraphImporter.class).importGraph(tenant, "big", GraphFormat.JSON,
                    new ByteArrayInputStream(file), "bench");
            double importSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("import: %d entities, %d relations, %.1f MB JSON in %.1f s%n", version.entities(),
                    version.relations(), file.length / 1e6, importSeconds);

            var store = context.getBean(KnowledgeGraphStore.class);
            GraphIndex index = null;
            for (int round = 0; round < 3; round++) {
                long b0 = System.nanoTime();
                index = GraphIndex.load(store, adapter.id(), version.id());
                System.out.printf("index build (read + automaton + adjacency), round %d: %.0f ms%n", round,
                        (System.nanoTime() - b0) / 1e6);
            }

            long r0 = System.nanoTime();
            int[] rows = new int[2];
            store.read(version.id(), new KnowledgeGraphStore.GraphVisitor() {
                @Override
                public void entity(KnowledgeGraphStore.StoredEntity entity) {
                    rows[0]++;
                }

                @Override
                public void relation(KnowledgeGraphStore.StoredRelation relation) {
                    rows[1]++;
                }
            });
            System.out.printf("  of which reading the %d + %d rows from the database: %.0f ms%n", rows[0], rows[1],
                    (System.nanoTime() - r0) / 1e6);

            PromptCodec codec = DemoCodec.get();
            var properties = context.getBean(KnowledgeGraphProperties.class);
            var settings = RetrievalSettings.of(properties);
            var prompts = new ArrayList<List<String>>();
            for (int q = 0; q < REQUESTS + 200; q++) {
                String a = names[random.nextInt(ENTITIES)];
                String b = names[random.nextInt(ENTITIES)];
                prompts.add(List.of("请问" + a + "和" + b + "之间有什么关系？另外 " + names[random.nextInt(ENTITIES)]
                        + " 的风险怎么样，what about the credit card policy?"));
            }
            long[] retrieval = new long[REQUESTS];
            int injectedTokens = 0;
            for (int q = 0; q < prompts.size(); q++) {
                long s = System.nanoTime();
                var result = KnowledgeRetrieval.retrieve(index, "big", prompts.get(q), codec, settings);
                long e = System.nanoTime() - s;
                if (q >= 200) {
                    retrieval[q - 200] = e;
                    injectedTokens += result.tokens();
                }
            }
            report("retrieve (link + 2-hop expand + rank + render ≤512 tokens)", retrieval);
            System.out.printf("  mean injected tokens: %.0f%n", injectedTokens / (double) REQUESTS);

            var resolver = context.getBean(AdapterResolver.class);
            var selected = resolver.select(tenant, "moe-demo", "big").orElseThrow();
            long[] resolved = new long[REQUESTS];
            for (int q = 0; q < prompts.size(); q++) {
                long s = System.nanoTime();
                resolver.resolve(selected, "moe-demo", prompts.get(q), codec);
                long e = System.nanoTime() - s;
                if (q >= 200) {
                    resolved[q - 200] = e;
                }
            }
            report("resolver.resolve (active version lookup + cached index + retrieve)", resolved);
        }
    }

    private static String cjkName(Random random, int i) {
        var name = new StringBuilder();
        int length = 3 + random.nextInt(4);
        for (int c = 0; c < length; c++) {
            name.append(CJK.charAt(random.nextInt(CJK.length())));
        }
        return name.append(Integer.toString(i, 36).toUpperCase()).toString();
    }

    private static void report(String what, long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf("%s over %d requests: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", what, sorted.length,
                sorted[sorted.length / 2] / 1e6, sorted[(int) (sorted.length * 0.99)] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }
}
