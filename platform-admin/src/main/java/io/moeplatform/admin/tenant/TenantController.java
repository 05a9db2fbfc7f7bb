package io.moeplatform.admin.tenant;

import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.VisibleTenants;
import io.moeplatform.core.tenant.TenantPage;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import jakarta.validation.Valid;
import java.util.UUID;
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
 * Tenants: search and paging (a tenant-bound user sees only its own), creation, and suspend/resume. New tenants
 * start without limits; their plan is edited on the quotas page. Suspension reaches this replica's key cache at
 * once and other replicas within {@code platform.security.api-key-cache-ttl}.
 */
@Controller
class TenantController {

    static final int PAGE_SIZE = 20;

    private final TenantService tenants;
    private final ConsoleAccess access;
    private final VisibleTenants visibleTenants;

    TenantController(TenantService tenants, ConsoleAccess access, VisibleTenants visibleTenants) {
        this.tenants = tenants;
        this.access = access;
        this.visibleTenants = visibleTenants;
    }

    @GetMapping("/admin/tenants")
    String list(@RequestParam(defaultValue = "") String q, @RequestParam(defaultValue = "0") int page, Model model) {
        var scope = access.tenantScope();
        TenantPage result;
        if (scope == null) {
            result = tenants.search(q, Math.max(0, page), PAGE_SIZE);
        } else {
            var own = tenants.find(scope).stream().toList();
            result = new TenantPage(own, 0, PAGE_SIZE, own.size());
        }
        model.addAttribute("q", q);
        model.addAttribute("result", result);
        return "console/tenants/list";
    }

    @GetMapping("/admin/tenants/new")
    String newTenant(Model model) {
        model.addAttribute("form", new TenantForm(""));
        return "console/tenants/new";
    }

    @PostMapping("/admin/tenants")
    String create(@Valid @ModelAttribute("form") TenantForm form, BindingResult result, RedirectAttributes redirect) {
        if (!result.hasFieldErrors("name") && tenants.findByName(form.name()).isPresent()) {
            result.rejectValue("name", "tenants.nameTaken");
        }
        if (result.hasErrors()) {
            return "console/tenants/new";
        }
        var tenant = tenants.create(form.name(), TenantPlan.unlimited(), access.actor());
        redirect.addFlashAttribute("notice", "tenants.createdNotice");
        return "redirect:/admin/tenants/" + tenant.id();
    }

    @GetMapping("/admin/tenants/{id}")
    String show(@PathVariable UUID id, Model model) {
        model.addAttribute("tenant", visibleTenants.require(id));
        return "console/tenants/show";
    }

    @PostMapping("/admin/tenants/{id}/suspend")
    String suspend(@PathVariable UUID id, RedirectAttributes redirect) {
        tenants.suspend(visibleTenants.require(id).id(), access.actor());
        redirect.addFlashAttribute("notice", "tenants.suspendedNotice");
        return "redirect:/admin/tenants/" + id;
    }

    @PostMapping("/admin/tenants/{id}/resume")
    String resume(@PathVariable UUID id, RedirectAttributes redirect) {
        tenants.resume(visibleTenants.require(id).id(), access.actor());
        redirect.addFlashAttribute("notice", "tenants.resumedNotice");
        return "redirect:/admin/tenants/" + id;
    }
}
