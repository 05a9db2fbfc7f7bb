package io.moeplatform.admin.apikey;

import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.NotFoundException;
import io.moeplatform.admin.system.VisibleTenants;
import io.moeplatform.core.apikey.ApiKeyService;
import io.moeplatform.core.tenant.TenantView;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Valid;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A tenant's API keys: list (filtered by prefix), issue, revoke. An issued secret is rendered into the response of
 * the issuing request only (never stored in the session or redirected through a URL) and marked not to be cached.
 */
@Controller
class ApiKeyController {

    private final ApiKeyService keys;
    private final ConsoleAccess access;
    private final VisibleTenants visibleTenants;
    private final Clock clock;

    ApiKeyController(ApiKeyService keys, ConsoleAccess access, VisibleTenants visibleTenants, Clock clock) {
        this.keys = keys;
        this.access = access;
        this.visibleTenants = visibleTenants;
        this.clock = clock;
    }

    /** The navigation entry: a tenant-bound user goes to its tenant's keys, the platform admin picks a tenant. */
    @GetMapping("/admin/keys")
    String pick(@RequestParam(required = false) @Nullable UUID tenant, Model model) {
        var chosen = access.pick(tenant);
        if (chosen != null) {
            return "redirect:/admin/tenants/" + chosen + "/keys";
        }
        return visibleTenants.pickerPage(model, "/admin/keys", "keys.title");
    }

    @GetMapping("/admin/tenants/{tenantId}/keys")
    String list(@PathVariable UUID tenantId, @RequestParam(defaultValue = "") String prefix, Model model) {
        show(visibleTenants.require(tenantId), prefix, new ApiKeyForm(), model);
        return "console/keys/list";
    }

    @PostMapping("/admin/tenants/{tenantId}/keys")
    String issue(@PathVariable UUID tenantId, @Valid @ModelAttribute("form") ApiKeyForm form, BindingResult result,
            Model model, HttpServletResponse response) {
        var tenant = visibleTenants.require(tenantId);
        var expiresOn = form.getExpiresOn();
        var today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        if (expiresOn != null && expiresOn.isBefore(today)) {
            result.rejectValue("expiresOn", "keys.expiryPast");
        }
        if (!result.hasErrors()) {
            var expiresAt = expiresOn == null ? null : expiresOn.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            var issued = keys.issue(tenantId, form.getName().strip(), scopes(form.getScopes()), expiresAt,
                    access.actor());
            response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
            model.addAttribute("issued", issued);
            // a fresh form for the next key, not the bound values of this one
            model.asMap().remove(BindingResult.MODEL_KEY_PREFIX + "form");
            form = new ApiKeyForm();
        }
        show(tenant, "", form, model);
        return "console/keys/list";
    }

    @PostMapping("/admin/tenants/{tenantId}/keys/{keyId}/revoke")
    String revoke(@PathVariable UUID tenantId, @PathVariable UUID keyId, RedirectAttributes redirect) {
        visibleTenants.require(tenantId);
        var key = keys.find(keyId).filter(found -> found.tenantId().equals(tenantId))
                .orElseThrow(() -> new NotFoundException("No key " + keyId + " in tenant " + tenantId));
        keys.revoke(key.keyId(), access.actor());
        redirect.addFlashAttribute("notice", "keys.revokedNotice");
        return "redirect:/admin/tenants/" + tenantId + "/keys";
    }

    private void show(TenantView tenant, String prefix, ApiKeyForm form, Model model) {
        var filter = prefix.strip().toLowerCase(Locale.ROOT);
        model.addAttribute("tenant", tenant);
        model.addAttribute("prefix", prefix);
        model.addAttribute("keys", keys.list(tenant.id()).stream()
                .filter(key -> key.prefix().toLowerCase(Locale.ROOT).startsWith(filter)).toList());
        model.addAttribute("now", clock.instant());
        model.addAttribute("form", form);
    }

    private static LinkedHashSet<String> scopes(String text) {
        return new LinkedHashSet<>(Arrays.stream(text.strip().split("[ ,]+")).filter(s -> !s.isEmpty()).toList());
    }
}
