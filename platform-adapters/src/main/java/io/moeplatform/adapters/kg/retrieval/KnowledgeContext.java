package io.moeplatform.adapters.kg.retrieval;

import java.util.List;

/**
 * What a knowledge-graph adapter injects for one prompt: the linked entities, the facts chosen, and the exact
 * text with its token count under the served model's tokenizer. Empty (no text, 0 tokens) when the prompt
 * mentions no entity of the graph.
 */
public record KnowledgeContext(List<LinkedEntity> entities, List<Fact> facts, String text, int tokens) {

    public static KnowledgeContext empty() {
        return new KnowledgeContext(List.of(), List.of(), "", 0);
    }

    public boolean isEmpty() {
        return text.isEmpty();
    }
}
