package io.moeplatform.adapters.kg;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Knowledge-graph adapters ({@code platform.adapters.kg.*}).
 *
 * @param maxEntities the most entities one import may hold
 * @param maxRelations the most relations one import may hold
 * @param maxUploadSize the largest source file accepted
 * @param hops how far expansion walks from the entities linked in the prompt (k of k-hop)
 * @param relationTypes relation types expansion may follow; empty means all
 * @param maxInjectedTokens token budget of the injected text (template included), counted with the served
 *     model's tokenizer
 * @param maxFacts the most relations (facts) rendered
 * @param maxLinkedEntities the most linked entities expansion starts from (most mentioned first)
 * @param indexCacheSize how many graph versions are kept indexed in memory (least recently used dropped)
 * @param template the injected text; {@code {adapter}} is replaced by the adapter's name, {@code {context}} by
 *     the rendered entities and facts
 * @param placement {@code merge}: appended to the first system message, or a new system message when there is
 *     none; {@code prepend}: always a separate system message before all others
 */
@ConfigurationProperties("platform.adapters.kg")
public record KnowledgeGraphProperties(@DefaultValue("1000000") int maxEntities,
        @DefaultValue("5000000") int maxRelations, @DefaultValue("256MB") DataSize maxUploadSize,
        @DefaultValue("2") int hops, @DefaultValue List<String> relationTypes,
        @DefaultValue("512") int maxInjectedTokens, @DefaultValue("64") int maxFacts,
        @DefaultValue("16") int maxLinkedEntities, @DefaultValue("16") int indexCacheSize,
        @DefaultValue(DEFAULT_TEMPLATE) String template, @DefaultValue("merge") Placement placement) {

    public static final String DEFAULT_TEMPLATE = "Knowledge base \"{adapter}\" (use these facts when they are"
            + " relevant):\n{context}";

    public enum Placement {
        MERGE, PREPEND
    }

    public KnowledgeGraphProperties {
        if (maxEntities < 1 || maxRelations < 0 || hops < 0 || maxInjectedTokens < 1 || maxFacts < 0
                || maxLinkedEntities < 1 || indexCacheSize < 1) {
            throw new IllegalArgumentException("platform.adapters.kg: limits must be positive (max-entities,"
                    + " max-injected-tokens, max-linked-entities, index-cache-size ≥ 1; hops, max-facts,"
                    + " max-relations ≥ 0)");
        }
        if (!template.contains("{context}")) {
            throw new IllegalArgumentException("platform.adapters.kg.template must contain {context}");
        }
        relationTypes = List.copyOf(relationTypes);
    }
}
