package io.moeplatform.api.openai.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.core.apikey.AuthenticatedKey;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.ModelNotFoundException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}: the served models the caller's tenant may use (its plan's
 * allowed models; all when the plan names none), as OpenAI lists them. A model the tenant may not use is reported
 * as not found, so a key never learns what other tenants are served.
 */
@RestController
class ModelsController {

    private static final String OWNER = "moe-platform";

    private final InferenceService inference;
    private final TenantService tenants;
    private final AdapterCatalog adapters;

    ModelsController(InferenceService inference, TenantService tenants, AdapterCatalog adapters) {
        this.inference = inference;
        this.tenants = tenants;
        this.adapters = adapters;
    }

    /** {@code parent} and {@code adapter} only for {@code <base>:<adapter>} entries (vLLM also names the parent). */
    record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
            @JsonProperty("context_length") int contextLength, String architecture, String backend,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String parent,
            @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable String adapter) {}

    record ModelList(String object, List<Model> data) {}

    /** The served models, each followed by {@code <model>:<adapter>} for the tenant's enabled adapters that fit it. */
    @GetMapping("/v1/models")
    ModelList list(@AuthenticationPrincipal AuthenticatedKey caller) {
        return new ModelList("list", entries(caller).toList());
    }

    @GetMapping("/v1/models/{id}")
    Model get(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String id) {
        return entries(caller).filter(model -> model.id().equals(id)).findFirst()
                .orElseThrow(() -> new ModelNotFoundException(id));
    }

    private Stream<Model> entries(AuthenticatedKey caller) {
        List<AdapterView> enabled = adapters.list(caller.tenantId()).stream().filter(AdapterView::enabled).toList();
        return visibleTo(caller).flatMap(info -> Stream.concat(Stream.of(model(info, null)),
                enabled.stream().filter(adapter -> adapter.fits(info.id())).map(adapter -> model(info, adapter))));
    }

    private Stream<ModelInfo> visibleTo(AuthenticatedKey caller) {
        Set<String> allowed = tenants.find(caller.tenantId()).map(t -> t.plan().allowedModels()).orElse(Set.of());
        return inference.models().stream().filter(info -> allowed.isEmpty() || allowed.contains(info.id()));
    }

    /** {@code created}: when this process started serving it (we load models at start). */
    private static Model model(ModelInfo info, @Nullable AdapterView adapter) {
        long started = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000;
        return adapter == null
                ? new Model(info.id(), "model", started, OWNER, info.contextLength(), info.architecture(),
                        info.backend(), null, null)
                : new Model(info.id() + ":" + adapter.name(), "model", started, OWNER, info.contextLength(),
                        info.architecture(), info.backend(), info.id(), adapter.name());
    }
}
