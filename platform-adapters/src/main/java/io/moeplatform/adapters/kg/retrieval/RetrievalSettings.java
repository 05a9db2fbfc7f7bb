package io.moeplatform.adapters.kg.retrieval;

import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import java.util.Set;

/**
 * How one retrieval walks and renders.
 *
 * @param relationTypes types expansion follows; empty for all
 * @param tokenBudget the most tokens of the injected text, template included
 */
public record RetrievalSettings(int hops, Set<String> relationTypes, int maxLinkedEntities, int maxFacts,
        int tokenBudget, String template) {

    public static RetrievalSettings of(KnowledgeGraphProperties properties) {
        return new RetrievalSettings(properties.hops(), Set.copyOf(properties.relationTypes()),
                properties.maxLinkedEntities(), properties.maxFacts(), properties.maxInjectedTokens(),
                properties.template());
    }

    public RetrievalSettings withTokenBudget(int budget) {
        return new RetrievalSettings(hops, relationTypes, maxLinkedEntities, maxFacts, budget, template);
    }
}
