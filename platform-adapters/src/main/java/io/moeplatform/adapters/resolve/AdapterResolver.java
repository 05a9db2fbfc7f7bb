package io.moeplatform.adapters.resolve;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.kg.index.GraphIndex;
import io.moeplatform.adapters.kg.index.GraphIndexCache;
import io.moeplatform.adapters.kg.retrieval.KnowledgeContext;
import io.moeplatform.adapters.kg.retrieval.KnowledgeRetrieval;
import io.moeplatform.adapters.kg.retrieval.RetrievalSettings;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import io.moeplatform.inference.PromptCodec;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;

/**
 * Resolves the adapter of a request: the one it names (in the model name or the {@code adapter} field), else the
 * tenant's default when that one is enabled and fits the model. Only the caller's tenant's catalog is searched,
 * so another tenant's adapter is "not found", never used.
 */
@Service
public class AdapterResolver {

    private final AdapterCatalog catalog;
    private final KnowledgeGraphStore store;
    private final GraphIndexCache indexes;
    private final KnowledgeGraphProperties properties;
    private final ObjectProvider<LoraAdapterBinding> lora;

    AdapterResolver(AdapterCatalog catalog, KnowledgeGraphStore store, GraphIndexCache indexes,
            KnowledgeGraphProperties properties, ObjectProvider<LoraAdapterBinding> lora) {
        this.catalog = catalog;
        this.store = store;
        this.indexes = indexes;
        this.properties = properties;
        this.lora = lora;
    }

    /**
     * The adapter that applies, checked, or empty for the base model.
     *
     * @throws AdapterException NOT_FOUND for a named adapter the tenant does not have, INVALID when it is disabled
     *     or made for another model
     */
    public Optional<AdapterView> select(UUID tenantId, String model, @Nullable String requested) {
        if (requested == null) {
            return catalog.defaultAdapter(tenantId).filter(a -> a.enabled() && a.fits(model));
        }
        AdapterView adapter = catalog.get(tenantId, requested);
        if (!adapter.enabled()) {
            throw AdapterException.invalid("The adapter '" + requested + "' is disabled; enable it or use another.",
                    "adapter");
        }
        if (!adapter.fits(model)) {
            throw AdapterException.invalid("The adapter '" + requested + "' is made for the model '"
                    + adapter.baseModel() + "', not '" + model + "'.", "model");
        }
        return Optional.of(adapter);
    }

    /**
     * Resolves what the adapter does to this request.
     *
     * @param userTexts the user's messages (or prompts), where entities are linked
     * @param codec the served model's tokenizer, which counts the injected tokens
     * @throws AdapterException UNAVAILABLE for a LoRA adapter on a server without LoRA support
     */
    public ResolvedAdapter resolve(AdapterView adapter, String model, List<String> userTexts, PromptCodec codec) {
        return switch (adapter.kind()) {
            case KNOWLEDGE_GRAPH -> new ResolvedAdapter(adapter.name(), AdapterKind.KNOWLEDGE_GRAPH,
                    knowledge(adapter, userTexts, codec, RetrievalSettings.of(properties)), properties.placement(),
                    null);
            case LORA -> {
                LoraAdapterBinding binding = lora.getIfAvailable();
                if (binding == null) {
                    throw new AdapterException(AdapterException.Reason.UNAVAILABLE,
                            "LoRA adapters are not available on this server.", "adapter");
                }
                yield new ResolvedAdapter(adapter.name(), AdapterKind.LORA, null, properties.placement(),
                        binding.engineAdapterId(adapter, model));
            }
        };
    }

    /**
     * What the knowledge-graph adapter would inject for these texts, whether or not it is enabled (for the
     * preview); empty when it has no imported graph yet.
     */
    public KnowledgeContext knowledge(AdapterView adapter, List<String> userTexts, PromptCodec codec,
            RetrievalSettings settings) {
        if (adapter.kind() != AdapterKind.KNOWLEDGE_GRAPH) {
            throw AdapterException.invalid("The adapter '" + adapter.name() + "' is not a knowledge-graph adapter.",
                    "adapter");
        }
        return store.activeVersion(adapter.id()).map(version -> {
            GraphIndex index = indexes.get(adapter.id(), version.id());
            return KnowledgeRetrieval.retrieve(index, adapter.name(), userTexts, codec, settings);
        }).orElseGet(KnowledgeContext::empty);
    }

    public KnowledgeGraphProperties properties() {
        return properties;
    }
}
