package io.moeplatform.admin.adapter;

import io.moeplatform.adapters.catalog.AdapterCatalog;
import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.catalog.AdapterKind;
import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.catalog.NewAdapter;
import io.moeplatform.adapters.kg.importing.GraphFormat;
import io.moeplatform.adapters.kg.importing.GraphImportException;
import io.moeplatform.adapters.kg.importing.ImportProblem;
import io.moeplatform.adapters.kg.importing.KnowledgeGraphImporter;
import io.moeplatform.adapters.kg.retrieval.RetrievalSettings;
import io.moeplatform.adapters.lora.LoraAdapterRegistry;
import io.moeplatform.adapters.lora.LoraUploadTooLargeException;
import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.adapters.resolve.ResolvedAdapter;
import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.NotFoundException;
import io.moeplatform.admin.system.VisibleTenants;
import io.moeplatform.core.tenant.TenantView;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import jakarta.validation.Valid;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A tenant's adapters: list and create, and per adapter its stats (graph versions with their problems; LoRA rank,
 * alpha, targets, size, checksum), enable/disable, delete, the tenant default, uploads of a graph file or a LoRA zip
 * (multipart; {@code adapters.js} shows upload progress), and the injection preview. Everything goes through the
 * adapter services, which validate, keep uploads all-or-nothing and write the audit log; refusals are shown beside
 * the form that caused them.
 */
@Controller
class AdapterPageController {

    private final AdapterCatalog catalog;
    private final KnowledgeGraphImporter importer;
    private final LoraAdapterRegistry lora;
    private final AdapterResolver resolver;
    private final InferenceService inference;
    private final ConsoleAccess access;
    private final VisibleTenants visibleTenants;

    AdapterPageController(AdapterCatalog catalog, KnowledgeGraphImporter importer, LoraAdapterRegistry lora,
            AdapterResolver resolver, InferenceService inference, ConsoleAccess access,
            VisibleTenants visibleTenants) {
        this.catalog = catalog;
        this.importer = importer;
        this.lora = lora;
        this.resolver = resolver;
        this.inference = inference;
        this.access = access;
        this.visibleTenants = visibleTenants;
    }

    /** The navigation entry: a tenant-bound user goes to its tenant's adapters, the platform admin picks one. */
    @GetMapping("/admin/adapters")
    String pick(@RequestParam(required = false) @Nullable UUID tenant, Model model) {
        var chosen = access.pick(tenant);
        if (chosen != null) {
            return "redirect:/admin/tenants/" + chosen + "/adapters";
        }
        return visibleTenants.pickerPage(model, "/admin/adapters", "adapters.title");
    }

    @GetMapping("/admin/tenants/{tenantId}/adapters")
    String list(@PathVariable UUID tenantId, Model model) {
        showList(visibleTenants.require(tenantId), new AdapterForm(), model);
        return "console/adapters/list";
    }

    @PostMapping("/admin/tenants/{tenantId}/adapters")
    String create(@PathVariable UUID tenantId, @Valid @ModelAttribute("adapterForm") AdapterForm form,
            BindingResult result, Model model, RedirectAttributes redirect) {
        var tenant = visibleTenants.require(tenantId);
        String baseModel = form.getBaseModel().isEmpty() ? null : form.getBaseModel();
        if (baseModel != null && servedModels().stream().noneMatch(baseModel::equals)) {
            result.rejectValue("baseModel", "adapters.modelNotServed");
        }
        if (!result.hasErrors()) {
            try {
                catalog.create(tenantId, new NewAdapter(form.getName(), form.getKind(), baseModel, true),
                        access.actor());
                redirect.addFlashAttribute("notice", "adapters.createdNotice");
                return "redirect:/admin/tenants/" + tenantId + "/adapters/" + form.getName();
            } catch (AdapterException refused) {
                result.rejectValue("name", refused.reason() == AdapterException.Reason.CONFLICT
                        ? "adapters.nameTaken"
                        : "adapters.nameRule");
            }
        }
        showList(tenant, form, model);
        return "console/adapters/list";
    }

    @GetMapping("/admin/tenants/{tenantId}/adapters/{name}")
    String show(@PathVariable UUID tenantId, @PathVariable String name, Model model) {
        var adapter = adapter(tenantId, name);
        showAdapter(adapter, model);
        return "console/adapters/show";
    }

    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/enable")
    String enable(@PathVariable UUID tenantId, @PathVariable String name, RedirectAttributes redirect) {
        catalog.setEnabled(adapter(tenantId, name).tenantId(), name, true, access.actor());
        return back(tenantId, name, redirect, "adapters.enabledNotice");
    }

    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/disable")
    String disable(@PathVariable UUID tenantId, @PathVariable String name, RedirectAttributes redirect) {
        catalog.setEnabled(adapter(tenantId, name).tenantId(), name, false, access.actor());
        return back(tenantId, name, redirect, "adapters.disabledNotice");
    }

    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/default")
    String makeDefault(@PathVariable UUID tenantId, @PathVariable String name, RedirectAttributes redirect) {
        catalog.setDefault(adapter(tenantId, name).tenantId(), name, access.actor());
        return back(tenantId, name, redirect, "adapters.defaultNotice");
    }

    @PostMapping("/admin/tenants/{tenantId}/default-adapter/clear")
    String clearDefault(@PathVariable UUID tenantId, RedirectAttributes redirect) {
        visibleTenants.require(tenantId);
        catalog.clearDefault(tenantId, access.actor());
        redirect.addFlashAttribute("notice", "adapters.defaultClearedNotice");
        return "redirect:/admin/tenants/" + tenantId + "/adapters";
    }

    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/delete")
    String delete(@PathVariable UUID tenantId, @PathVariable String name, RedirectAttributes redirect) {
        catalog.delete(adapter(tenantId, name).tenantId(), name, access.actor());
        redirect.addFlashAttribute("notice", "adapters.deletedNotice");
        return "redirect:/admin/tenants/" + tenantId + "/adapters";
    }

    /** A graph file as the adapter's next version; a refused file leaves a FAILED version and its problems here. */
    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/graph")
    String uploadGraph(@PathVariable UUID tenantId, @PathVariable String name,
            @RequestParam(name = "file", required = false) @Nullable MultipartFile file,
            @RequestParam(defaultValue = "") String format, Model model, RedirectAttributes redirect)
            throws IOException {
        var adapter = adapter(tenantId, name);
        var graphFormat = GraphFormat.ofParameter(format);
        if (file == null || file.isEmpty()) {
            return uploadRefused(adapter, model, "graphError", "adapters.fileMissing", List.of());
        }
        if (graphFormat.isEmpty()) {
            return uploadRefused(adapter, model, "graphError", "adapters.formatMissing", List.of());
        }
        try (InputStream in = file.getInputStream()) {
            var version = importer.importGraph(tenantId, name, graphFormat.get(), in, access.actor());
            redirect.addFlashAttribute("notice", "adapters.graphImportedNotice");
            redirect.addFlashAttribute("importedVersion", version.version());
            return "redirect:/admin/tenants/" + tenantId + "/adapters/" + name;
        } catch (GraphImportException refused) {
            return uploadRefused(adapter, model, "graphError", "adapters.graphRefused", refused.problems());
        } catch (AdapterException refused) {
            return uploadRefused(adapter, model, "graphError", "adapters.wrongKind", List.of());
        }
    }

    /** A zipped PEFT adapter as the adapter's next LoRA version, validated by the engine before it is stored. */
    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/lora")
    String uploadLora(@PathVariable UUID tenantId, @PathVariable String name,
            @RequestParam(name = "file", required = false) @Nullable MultipartFile file, Model model,
            RedirectAttributes redirect) throws IOException {
        var adapter = adapter(tenantId, name);
        if (file == null || file.isEmpty()) {
            return uploadRefused(adapter, model, "loraError", "adapters.fileMissing", List.of());
        }
        try (InputStream in = file.getInputStream()) {
            lora.upload(tenantId, name, null, in, access.actor());
            redirect.addFlashAttribute("notice", "adapters.loraUploadedNotice");
            return "redirect:/admin/tenants/" + tenantId + "/adapters/" + name;
        } catch (LoraUploadTooLargeException refused) {
            return uploadRefused(adapter, model, "loraError", "adapters.loraTooLarge", List.of());
        } catch (AdapterException refused) {
            // the engine's reason names the field or tensor that does not fit the model: the user needs it verbatim
            return uploadRefused(adapter, model, "loraError", "adapters.loraRefused",
                    List.of(new ImportProblem(file.getOriginalFilename() == null ? "zip" : file.getOriginalFilename(),
                            refused.getMessage())));
        }
    }

    @PostMapping("/admin/tenants/{tenantId}/adapters/{name}/preview")
    String preview(@PathVariable UUID tenantId, @PathVariable String name,
            @Valid @ModelAttribute("previewForm") PreviewForm form, BindingResult result, Model model) {
        var adapter = adapter(tenantId, name);
        if (adapter.kind() != AdapterKind.KNOWLEDGE_GRAPH) {
            throw new NotFoundException("The adapter " + name + " has no injection to preview");
        }
        if (!result.hasErrors()) {
            String served = previewModel(adapter);
            var settings = RetrievalSettings.of(resolver.properties());
            if (form.getMaxInjectedTokens() != null) {
                settings = settings.withTokenBudget(form.getMaxInjectedTokens());
            }
            var context = resolver.knowledge(adapter, List.of(form.getPrompt()), inference.codec(served), settings);
            var injection = new ResolvedAdapter(adapter.name(), adapter.kind(), context,
                    resolver.properties().placement(), null);
            model.addAttribute("preview", context);
            model.addAttribute("previewModel", served);
            model.addAttribute("previewPrompt", injection.applyTo(form.getPrompt()));
        }
        model.addAttribute("previewForm", form);
        showAdapter(adapter, model);
        return "console/adapters/show";
    }

    private String uploadRefused(AdapterView adapter, Model model, String attribute, String messageKey,
            List<ImportProblem> problems) {
        model.addAttribute(attribute, messageKey);
        model.addAttribute("uploadProblems", problems);
        showAdapter(adapter, model);
        return "console/adapters/show";
    }

    /** The adapter of a tenant the user may see; 403 for another tenant, 404 for an unknown name. */
    private AdapterView adapter(UUID tenantId, String name) {
        visibleTenants.require(tenantId);
        return catalog.find(tenantId, name)
                .orElseThrow(() -> new NotFoundException("No adapter " + name + " in tenant " + tenantId));
    }

    private static String back(UUID tenantId, String name, RedirectAttributes redirect, String notice) {
        redirect.addFlashAttribute("notice", notice);
        return "redirect:/admin/tenants/" + tenantId + "/adapters/" + name;
    }

    private void showList(TenantView tenant, AdapterForm form, Model model) {
        model.addAttribute("tenant", tenant);
        model.addAttribute("adapters", catalog.list(tenant.id()));
        model.addAttribute("kinds", AdapterKind.values());
        model.addAttribute("models", servedModels());
        model.addAttribute("adapterForm", form);
    }

    private void showAdapter(AdapterView adapter, Model model) {
        model.addAttribute("tenant", visibleTenants.require(adapter.tenantId()));
        model.addAttribute("adapter", adapter);
        model.addAttribute("formats", GraphFormat.values());
        if (adapter.kind() == AdapterKind.KNOWLEDGE_GRAPH) {
            var versions = importer.versions(adapter.tenantId(), adapter.name());
            model.addAttribute("versions", versions);
            model.addAttribute("activeVersion", versions.stream().filter(v -> v.active()).findFirst().orElse(null));
            model.addAttribute("maxUploadBytes", resolver.properties().maxUploadSize().toBytes());
            if (!model.containsAttribute("previewForm")) {
                model.addAttribute("previewForm", new PreviewForm());
            }
        } else {
            model.addAttribute("loraVersions", lora.versions(adapter.tenantId(), adapter.name()));
            model.addAttribute("currentLora", lora.current(adapter).orElse(null));
            model.addAttribute("maxUploadBytes", lora.maxUploadBytes());
        }
        if (!model.containsAttribute("uploadProblems")) {
            model.addAttribute("uploadProblems", List.of());
        }
    }

    private List<String> servedModels() {
        return inference.models().stream().map(ModelInfo::id).toList();
    }

    /** The model whose tokenizer counts the injected tokens: the adapter's base model, else the first served. */
    private String previewModel(AdapterView adapter) {
        if (adapter.baseModel() != null) {
            return adapter.baseModel();
        }
        return servedModels().stream().findFirst()
                .orElseThrow(() -> new NotFoundException("No model is served, so nothing can be previewed"));
    }
}
