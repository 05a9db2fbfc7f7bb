package io.moeplatform.adapters.catalog;

/** What an adapter does to a request: inject knowledge-graph context into the prompt, or apply LoRA weights. */
public enum AdapterKind {
    KNOWLEDGE_GRAPH, LORA
}
