package io.moeplatform.api.adapters;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.kg.retrieval.Fact;
import io.moeplatform.adapters.kg.retrieval.LinkedEntity;
import io.moeplatform.adapters.kg.store.KgVersionView;
import io.moeplatform.adapters.lora.LoraVersion;
import io.moeplatform.inference.ChatMessage;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/** Request and response bodies of {@code /v1/adapters/**}, in the API's snake_case JSON. */
final class AdapterBodies {

    private AdapterBodies() {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record CreateAdapter(@Nullable String name, @Nullable String kind,
            @JsonProperty("base_model") @Nullable String baseModel, @Nullable Boolean enabled) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record UpdateAdapter(@Nullable Boolean enabled) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record DefaultAdapter(@Nullable String adapter) {}

    /** A prompt to preview: chat {@code messages} or a text {@code prompt}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record PreviewRequest(@Nullable String model, @Nullable JsonNode messages, @Nullable String prompt,
            @JsonProperty("max_injected_tokens") @Nullable Integer maxInjectedTokens) {}

    record Adapter(String id, String object, String name, String kind,
            @JsonProperty("base_model") @Nullable String baseModel, boolean enabled,
            @JsonProperty("default") boolean tenantDefault, @JsonProperty("created_at") long createdAt,
            @JsonProperty("updated_at") long updatedAt,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable GraphStats graph,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable LoraWeights lora) {

        static Adapter of(AdapterView view, @Nullable GraphStats graph, @Nullable LoraWeights lora) {
            return new Adapter(view.id().toString(), "adapter", view.name(), view.kind().name().toLowerCase(),
                    view.baseModel(), view.enabled(), view.tenantDefault(), view.createdAt().getEpochSecond(),
                    view.updatedAt().getEpochSecond(), graph, lora);
        }
    }

    /** The serving version of a LoRA adapter's weights: what the engine found in them at upload. */
    record LoraWeights(String id, String object, String adapter, int version,
            @JsonProperty("base_model") String baseModel, int rank, double alpha,
            @JsonProperty("use_rslora") boolean rsLora, @JsonProperty("target_modules") List<String> targetModules,
            @JsonProperty("adapted_projections") int adaptedProjections, @JsonProperty("size_bytes") long sizeBytes,
            @JsonProperty("loaded_bytes") long loadedBytes, String sha256,
            @JsonProperty("created_by") String createdBy, @JsonProperty("created_at") long createdAt) {

        static LoraWeights of(String adapter, LoraVersion v) {
            return new LoraWeights(v.id().toString(), "adapter.lora_version", adapter, v.version(), v.baseModel(),
                    v.rank(), v.alpha(), v.rsLora(), v.targetModules(), v.adaptedProjections(), v.sizeBytes(),
                    v.loadedBytes(), v.weightsSha256(), v.createdBy(), v.createdAt().getEpochSecond());
        }
    }

    /** The serving version's size and how many imports were made. */
    record GraphStats(@JsonProperty("active_version") @Nullable Integer activeVersion, int entities, int relations,
            int versions) {

        static GraphStats of(List<KgVersionView> versions) {
            var active = versions.stream().filter(KgVersionView::active).findFirst();
            return new GraphStats(active.map(KgVersionView::version).orElse(null),
                    active.map(KgVersionView::entities).orElse(0), active.map(KgVersionView::relations).orElse(0),
                    versions.size());
        }
    }

    record GraphVersion(String id, String object, int version, String status, String format, int entities,
            int relations, boolean active, @Nullable String error, @JsonProperty("created_by") String createdBy,
            @JsonProperty("created_at") long createdAt, @JsonProperty("finished_at") @Nullable Long finishedAt) {

        static GraphVersion of(KgVersionView v) {
            return new GraphVersion(v.id().toString(), "adapter.graph_version", v.version(),
                    v.status().name().toLowerCase(), v.sourceFormat(), v.entities(), v.relations(), v.active(),
                    v.error(), v.createdBy(), v.createdAt().getEpochSecond(),
                    v.finishedAt() == null ? null : v.finishedAt().getEpochSecond());
        }
    }

    record ListOf<T>(String object, List<T> data) {

        static <T> ListOf<T> of(List<T> data) {
            return new ListOf<>("list", data);
        }
    }

    record Deleted(String name, String object, boolean deleted) {}

    record TenantDefault(String object, @Nullable String adapter) {}

    record Preview(String object, String adapter, String model,
            @JsonProperty("graph_version") @Nullable Integer graphVersion,
            @JsonProperty("linked_entities") List<LinkedEntity> linkedEntities, List<Fact> facts,
            @JsonProperty("injected_text") String injectedText, @JsonProperty("injected_tokens") int injectedTokens,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<ChatMessage> messages,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String prompt) {}
}
