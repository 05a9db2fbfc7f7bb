package io.moeplatform.api.adapters;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.kg.importing.GraphFormat;
import io.moeplatform.adapters.kg.importing.KnowledgeGraphImporter;
import io.moeplatform.adapters.kg.retrieval.KnowledgeContext;
import io.moeplatform.adapters.kg.retrieval.RetrievalSettings;
import io.moeplatform.adapters.kg.store.KgVersionView;
import io.moeplatform.adapters.lora.LoraAdapterRegistry;
import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.adapters.resolve.ResolvedAdapter;
import io.moeplatform.api.adapters.AdapterBodies.Adapter;
import io.moeplatform.api.adapters.AdapterBodies.CreateAdapter;
import io.moeplatform.api.adapters.AdapterBodies.DefaultAdapter;
import io.moeplatform.api.adapters.AdapterBodies.Deleted;
import io.moeplatform.api.adapters.AdapterBodies.GraphStats;
import io.moeplatform.api.adapters.AdapterBodies.GraphVersion;
import io.moeplatform.api.adapters.AdapterBodies.ListOf;
import io.moeplatform.api.adapters.AdapterBodies.LoraWeights;
import io.moeplatform.api.adapters.AdapterBodies.Preview;
import io.moeplatform.api.adapters.AdapterBodies.PreviewRequest;
import io.moeplatform.api.adapters.AdapterBodies.TenantDefault;
import io.moeplatform.api.adapters.AdapterBodies.UpdateAdapter;
import io.moeplatform.api.openai.chat.ChatMessages;
import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.core.apikey.AuthenticatedKey;
import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.ModelNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The caller's tenant's adapters, administered with an API key of scope {@code adapters:write}: create, list,
 * get (with graph or LoRA stats), enable/disable, delete; upload a knowledge graph (a new version) and list its versions;
 * the tenant's default adapter; and a preview of what a prompt would get injected. The tenant always comes from
 * the key, so a key reaches only its own tenant's adapters; changes are audited with the key's prefix as actor.
 */
@RestController
class AdaptersController {

    private final AdapterCatalog catalog;
    private final KnowledgeGraphImporter importer;
    private final AdapterResolver resolver;
    private final InferenceService inference;
    private final LoraAdapterRegistry lora;

    AdaptersController(AdapterCatalog catalog, KnowledgeGraphImporter importer, AdapterResolver resolver,
            InferenceService inference, LoraAdapterRegistry lora) {
        this.catalog = catalog;
        this.importer = importer;
        this.resolver = resolver;
        this.inference = inference;
        this.lora = lora;
    }

    @PostMapping(path = "/v1/adapters", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Adapter> create(@AuthenticationPrincipal AuthenticatedKey caller,
            @RequestBody CreateAdapter body) {
        if (body.name() == null) {
            throw new OpenAiApiException(HttpStatus.BAD_REQUEST, "You must provide the adapter's name.",
                    "invalid_request_error", "name", "missing_required_parameter");
        }
        AdapterKind kind = kind(body.kind());
        if (body.baseModel() != null && inference.models().stream().noneMatch(m -> m.id().equals(body.baseModel()))) {
            throw OpenAiApiException.invalidParameter("base_model", "The model '" + body.baseModel()
                    + "' is not served here; leave base_model out for any model, or name a served model.");
        }
        var created = catalog.create(caller.tenantId(), new NewAdapter(body.name(), kind, body.baseModel(),
                body.enabled() == null || body.enabled()), actor(caller));
        return ResponseEntity.status(HttpStatus.CREATED).body(body(caller, created));
    }

    @GetMapping("/v1/adapters")
    ListOf<Adapter> list(@AuthenticationPrincipal AuthenticatedKey caller) {
        return ListOf.of(catalog.list(caller.tenantId()).stream().map(a -> body(caller, a)).toList());
    }

    @GetMapping("/v1/adapters/{name}")
    Adapter get(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name) {
        return body(caller, catalog.get(caller.tenantId(), name));
    }

    @PatchMapping(path = "/v1/adapters/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    Adapter update(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name,
            @RequestBody UpdateAdapter body) {
        if (body.enabled() == null) {
            throw OpenAiApiException.invalidParameter("enabled", "Send {\"enabled\": true} or {\"enabled\": false}.");
        }
        return body(caller, catalog.setEnabled(caller.tenantId(), name, body.enabled(), actor(caller)));
    }

    @DeleteMapping("/v1/adapters/{name}")
    Deleted delete(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name) {
        catalog.delete(caller.tenantId(), name, actor(caller));
        return new Deleted(name, "adapter.deleted", true);
    }

    /**
     * Imports the request body as a new version of the adapter's graph. The format comes from {@code ?format=}
     * ({@code json}, {@code csv}, {@code turtle}, {@code ntriples}) or else the Content-Type.
     */
    @PutMapping("/v1/adapters/{name}/graph")
    ResponseEntity<GraphVersion> upload(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name,
            @RequestParam(required = false) @Nullable String format,
            @RequestHeader(name = "Content-Type", required = false) @Nullable String contentType,
            HttpServletRequest request) throws IOException {
        GraphFormat graphFormat = format(format, contentType);
        try (InputStream body = request.getInputStream()) {
            KgVersionView version = importer.importGraph(caller.tenantId(), name, graphFormat, body, actor(caller));
            return ResponseEntity.status(HttpStatus.CREATED).body(GraphVersion.of(version));
        }
    }

    @GetMapping("/v1/adapters/{name}/graph/versions")
    ListOf<GraphVersion> versions(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name) {
        return ListOf.of(importer.versions(caller.tenantId(), name).stream().map(GraphVersion::of).toList());
    }

    /**
     * What the adapter would inject for a prompt, exactly as a request gets it (the same linking, expansion,
     * budget and template): the linked entities, the chosen facts, the injected text, its token count under the
     * model's tokenizer, and the messages (or prompt) as the model would receive them. Disabled adapters can be
     * previewed too.
     */
    @PostMapping(path = "/v1/adapters/{name}/preview", consumes = MediaType.APPLICATION_JSON_VALUE)
    Preview preview(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name,
            @RequestBody PreviewRequest body) {
        AdapterView adapter = catalog.get(caller.tenantId(), name);
        String model = previewModel(adapter, body.model());
        if ((body.messages() == null) == (body.prompt() == null)) {
            throw OpenAiApiException.invalidParameter("messages", "Send either messages (chat) or prompt (text).");
        }
        var settings = RetrievalSettings.of(resolver.properties());
        if (body.maxInjectedTokens() != null) {
            if (body.maxInjectedTokens() < 1) {
                throw OpenAiApiException.invalidParameter("max_injected_tokens", "max_injected_tokens must be ≥ 1.");
            }
            settings = settings.withTokenBudget(body.maxInjectedTokens());
        }
        var codec = inference.codec(model);
        List<ChatMessage> messages = body.messages() == null ? null : ChatMessages.parse(body.messages());
        List<String> texts = messages == null
                ? List.of(body.prompt())
                : messages.stream().filter(m -> m.role().equals("user")).map(ChatMessage::content).toList();
        KnowledgeContext context = resolver.knowledge(adapter, texts, codec, settings);
        var injection = new ResolvedAdapter(adapter.name(), adapter.kind(), context,
                resolver.properties().placement(), null);
        Integer version = importer.versions(caller.tenantId(), name).stream().filter(KgVersionView::active)
                .map(KgVersionView::version).findFirst().orElse(null);
        return new Preview("adapter.preview", adapter.name(), model, version, context.entities(), context.facts(),
                context.text(), context.tokens(), messages == null ? null : injection.applyTo(messages),
                messages == null ? injection.applyTo(body.prompt()) : null);
    }

    @GetMapping("/v1/default-adapter")
    TenantDefault defaultAdapter(@AuthenticationPrincipal AuthenticatedKey caller) {
        return new TenantDefault("tenant.default_adapter",
                catalog.defaultAdapter(caller.tenantId()).map(AdapterView::name).orElse(null));
    }

    @PutMapping(path = "/v1/default-adapter", consumes = MediaType.APPLICATION_JSON_VALUE)
    TenantDefault setDefault(@AuthenticationPrincipal AuthenticatedKey caller, @RequestBody DefaultAdapter body) {
        if (body.adapter() == null) {
            throw OpenAiApiException.invalidParameter("adapter",
                    "Send {\"adapter\": \"<name>\"}; to clear the default, send DELETE.");
        }
        return new TenantDefault("tenant.default_adapter",
                catalog.setDefault(caller.tenantId(), body.adapter(), actor(caller)).name());
    }

    @DeleteMapping("/v1/default-adapter")
    TenantDefault clearDefault(@AuthenticationPrincipal AuthenticatedKey caller) {
        catalog.clearDefault(caller.tenantId(), actor(caller));
        return new TenantDefault("tenant.default_adapter", null);
    }

    private Adapter body(AuthenticatedKey caller, AdapterView adapter) {
        GraphStats graph = adapter.kind() == AdapterKind.KNOWLEDGE_GRAPH
                ? GraphStats.of(importer.versions(caller.tenantId(), adapter.name()))
                : null;
        LoraWeights weights = lora.current(adapter).map(v -> LoraWeights.of(adapter.name(), v)).orElse(null);
        return Adapter.of(adapter, graph, weights);
    }

    private String previewModel(AdapterView adapter, @Nullable String requested) {
        if (requested != null) {
            inference.codec(requested); // 404 when not served
            return requested;
        }
        if (adapter.baseModel() != null) {
            return adapter.baseModel();
        }
        return inference.models().stream().map(ModelInfo::id).findFirst()
                .orElseThrow(() -> new ModelNotFoundException("(none served)"));
    }

    private static AdapterKind kind(@Nullable String kind) {
        if (kind == null) {
            return AdapterKind.KNOWLEDGE_GRAPH;
        }
        return switch (kind.toLowerCase(Locale.ROOT)) {
            case "knowledge_graph", "kg" -> AdapterKind.KNOWLEDGE_GRAPH;
            case "lora" -> AdapterKind.LORA;
            default -> throw OpenAiApiException.invalidParameter("kind",
                    "kind must be 'knowledge_graph' or 'lora'.");
        };
    }

    private static GraphFormat format(@Nullable String format, @Nullable String contentType) {
        if (format != null) {
            return GraphFormat.ofParameter(format).orElseThrow(() -> OpenAiApiException.invalidParameter("format",
                    "format must be json, csv, turtle or ntriples."));
        }
        return (contentType == null ? java.util.Optional.<GraphFormat>empty() : GraphFormat.ofMediaType(contentType))
                .orElseThrow(() -> new OpenAiApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Send the graph as"
                        + " application/json, text/csv, text/turtle or application/n-triples, or name ?format=.",
                        "invalid_request_error", "format", "unsupported_format"));
    }

    private static String actor(AuthenticatedKey caller) {
        return "key:" + caller.keyPrefix();
    }
}
