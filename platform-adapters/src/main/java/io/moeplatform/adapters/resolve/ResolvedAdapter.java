package io.moeplatform.adapters.resolve;

import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.kg.KnowledgeGraphProperties.Placement;
import io.moeplatform.adapters.kg.retrieval.KnowledgeContext;
import io.moeplatform.inference.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The adapter a request uses, resolved: its name (metered, shown in responses), kind, and what it does to the
 * request: a knowledge context to inject into the prompt (possibly empty) or the engine's LoRA adapter id.
 *
 * @param context the injected knowledge (KNOWLEDGE_GRAPH), else null
 * @param placement how the context joins chat messages
 * @param loraAdapterId the engine's adapter id (LORA), else null
 */
public record ResolvedAdapter(String name, AdapterKind kind, @Nullable KnowledgeContext context,
        Placement placement, @Nullable String loraAdapterId) {

    /** Tokens of the injected text (0 when nothing was injected). */
    public int injectedTokens() {
        return context == null ? 0 : context.tokens();
    }

    /**
     * The messages with the context injected: merged into the first system message, or as a new system message
     * in front (always so with {@link Placement#PREPEND}); unchanged when there is nothing to inject.
     */
    public List<ChatMessage> applyTo(List<ChatMessage> messages) {
        if (context == null || context.isEmpty()) {
            return messages;
        }
        var result = new ArrayList<ChatMessage>(messages.size() + 1);
        if (placement == Placement.MERGE && !messages.isEmpty() && messages.getFirst().role().equals("system")) {
            ChatMessage system = messages.getFirst();
            result.add(new ChatMessage("system", system.content() + "\n\n" + context.text()));
            result.addAll(messages.subList(1, messages.size()));
        } else {
            result.add(new ChatMessage("system", context.text()));
            result.addAll(messages);
        }
        return result;
    }

    /** A text prompt (completions) with the context before it. */
    public String applyTo(String prompt) {
        return context == null || context.isEmpty() ? prompt : context.text() + "\n\n" + prompt;
    }
}
