package io.moeplatform.adapters.kg.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.kg.index.GraphIndex;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore.StoredEntity;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore.StoredRelation;
import io.moeplatform.adapters.testing.DemoCodec;
import io.moeplatform.adapters.testing.GraphIndexes;
import io.moeplatform.inference.PromptCodec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Retrieval on a small bank graph, with the demo model's real tokenizer counting the budget. */
class KnowledgeRetrievalTests {

    static final PromptCodec codec = DemoCodec.get();
    static final String TEMPLATE = KnowledgeGraphProperties.DEFAULT_TEMPLATE;

    static final GraphIndex bank = GraphIndexes.of(List.of(
            new StoredEntity(0, "cmb", "招商银行", "Bank", List.of("CMB"), Map.of("founded", "1987")),
            new StoredEntity(1, "card", "信用卡", "Product", List.of("credit card"), Map.of()),
            new StoredEntity(2, "rule", "逾期管理规定", "Regulation", List.of(), Map.of("grace_days", "3")),
            new StoredEntity(3, "pboc", "中国人民银行", "Regulator", List.of("PBOC"), Map.of()),
            new StoredEntity(4, "loan", "个人贷款", "Product", List.of(), Map.of()),
            new StoredEntity(5, "risk", "信用风险", "Risk", List.of(), Map.of())),
            List.of(new StoredRelation(0, 0, 1, "offers", 0.9), new StoredRelation(1, 0, 4, "offers", 0.5),
                    new StoredRelation(2, 1, 2, "governed_by", 1.0), new StoredRelation(3, 2, 3, "issued_by", 1.0),
                    new StoredRelation(4, 4, 5, "exposes_to", 0.7)));

    static RetrievalSettings settings(int hops, Set<String> types, int budget) {
        return new RetrievalSettings(hops, types, 16, 64, budget, TEMPLATE);
    }

    @Test
    void linksChineseEntitiesAndRendersRankedFactsDeterministically() {
        var context = KnowledgeRetrieval.retrieve(bank, "bank", List.of("招商银行的信用卡逾期了怎么办？"), codec,
                settings(2, Set.of(), 1000));

        assertThat(context.entities()).extracting(LinkedEntity::name).containsExactly("招商银行", "信用卡");
        assertThat(context.text()).isEqualTo("""
                Knowledge base "bank" (use these facts when they are relevant):
                Entities:
                - 招商银行 [Bank]: aliases: CMB; founded: 1987
                - 信用卡 [Product]: aliases: credit card
                Facts:
                - 信用卡 -[governed_by]-> 逾期管理规定
                - 招商银行 -[offers]-> 信用卡
                - 招商银行 -[offers]-> 个人贷款
                - 逾期管理规定 -[issued_by]-> 中国人民银行
                - 个人贷款 -[exposes_to]-> 信用风险""");
        assertThat(context.facts()).extracting(Fact::hops).containsExactly(1, 1, 1, 2, 2);
        assertThat(context.tokens()).isEqualTo(codec.encode(context.text()).length);
        assertThat(KnowledgeRetrieval.retrieve(bank, "bank", List.of("招商银行的信用卡逾期了怎么办？"), codec,
                settings(2, Set.of(), 1000))).isEqualTo(context);
    }

    @Test
    void hopsAndRelationTypeFiltersBoundTheExpansion() {
        var oneHop = KnowledgeRetrieval.retrieve(bank, "bank", List.of("PBOC"), codec, settings(1, Set.of(), 1000));
        assertThat(oneHop.facts()).extracting(Fact::source).containsExactly("逾期管理规定");

        var onlyOffers = KnowledgeRetrieval.retrieve(bank, "bank", List.of("cmb"), codec,
                settings(3, Set.of("offers"), 1000));
        assertThat(onlyOffers.facts()).extracting(Fact::target).containsExactly("信用卡", "个人贷款");
    }

    @Test
    void truncatesToTheTokenBudgetCountedWithTheModelsTokenizer() {
        var full = KnowledgeRetrieval.retrieve(bank, "bank", List.of("招商银行"), codec, settings(3, Set.of(), 10_000));
        assertThat(full.facts()).hasSize(5);

        for (int budget = full.tokens() - 1; budget > 0; budget -= 7) {
            var cut = KnowledgeRetrieval.retrieve(bank, "bank", List.of("招商银行"), codec,
                    settings(3, Set.of(), budget));
            assertThat(cut.tokens()).isLessThanOrEqualTo(budget).isEqualTo(codec.encode(cut.text()).length);
            // what is kept is the best-ranked prefix of the facts
            assertThat(full.facts().subList(0, cut.facts().size())).isEqualTo(cut.facts());
        }
        var small = KnowledgeRetrieval.retrieve(bank, "bank", List.of("招商银行"), codec,
                settings(3, Set.of(), full.tokens() - 20));
        assertThat(small.facts()).hasSizeBetween(1, 4);
        // a budget below the template itself injects nothing
        assertThat(KnowledgeRetrieval.retrieve(bank, "bank", List.of("招商银行"), codec, settings(3, Set.of(), 5))
                .isEmpty()).isTrue();
    }

    @Test
    void injectsNothingWhenNoEntityIsMentioned() {
        assertThat(KnowledgeRetrieval.retrieve(bank, "bank", List.of("今天天气怎么样"), codec,
                settings(2, Set.of(), 1000))).isEqualTo(KnowledgeContext.empty());
    }
}
