package io.moeplatform.admin.quota;

import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.VisibleTenants;
import io.moeplatform.core.quota.QuotaConsumptionReader;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantView;
import jakarta.validation.Valid;
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
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** A tenant's quotas and limits, edited through the tenant service, with the current consumption beside each. */
@Controller
class QuotaController {

    private final TenantService tenants;
    private final QuotaConsumptionReader consumption;
    private final ConsoleAccess access;
    private final VisibleTenants visibleTenants;

    QuotaController(TenantService tenants, QuotaConsumptionReader consumption, ConsoleAccess access,
            VisibleTenants visibleTenants) {
        this.tenants = tenants;
        this.consumption = consumption;
        this.access = access;
        this.visibleTenants = visibleTenants;
    }

    @GetMapping("/admin/quotas")
    String pick(@RequestParam(required = false) @Nullable UUID tenant, Model model) {
        var chosen = access.pick(tenant);
        if (chosen != null) {
            return "redirect:/admin/tenants/" + chosen + "/quotas";
        }
        return visibleTenants.pickerPage(model, "/admin/quotas", "quotas.title");
    }

    @GetMapping("/admin/tenants/{tenantId}/quotas")
    String edit(@PathVariable UUID tenantId, Model model) {
        var tenant = visibleTenants.require(tenantId);
        model.addAttribute("form", PlanForm.of(tenant.plan()));
        return show(tenant, model);
    }

    @PostMapping("/admin/tenants/{tenantId}/quotas")
    String update(@PathVariable UUID tenantId, @Valid @ModelAttribute("form") PlanForm form, BindingResult result,
            Model model, RedirectAttributes redirect) {
        var tenant = visibleTenants.require(tenantId);
        if (!result.hasFieldErrors("tokensPerMonth") && form.monthSmallerThanDay()) {
            result.rejectValue("tokensPerMonth", "quotas.monthBelowDay");
        }
        if (result.hasErrors()) {
            return show(tenant, model);
        }
        tenants.updatePlan(tenantId, form.toPlan(), access.actor());
        redirect.addFlashAttribute("notice", "quotas.savedNotice");
        return "redirect:/admin/tenants/" + tenantId + "/quotas";
    }

    private String show(TenantView tenant, Model model) {
        model.addAttribute("tenant", tenant);
        model.addAttribute("consumption", consumption.consumption(tenant.id()));
        return "console/quotas/edit";
    }
}
