package io.moeplatform.admin.system;

import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantView;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import org.springframework.ui.Model;

/** The tenants the signed-in user may see, for the pages' tenant pickers and for naming tenants in charts. */
@Component
public class VisibleTenants {

    private final TenantService tenants;
    private final ConsoleAccess access;

    VisibleTenants(TenantService tenants, ConsoleAccess access) {
        this.tenants = tenants;
        this.access = access;
    }

    public List<TenantView> list() {
        var scope = access.tenantScope();
        return scope == null ? tenants.list() : tenants.find(scope).stream().toList();
    }

    public Map<UUID, String> namesById() {
        return list().stream().collect(Collectors.toMap(TenantView::id, TenantView::name, (a, b) -> a));
    }

    /** @throws org.springframework.security.access.AccessDeniedException when the user may not see it */
    public TenantView require(UUID tenantId) {
        access.checkTenant(tenantId);
        return tenants.find(tenantId).orElseThrow(() -> new NotFoundException("No tenant " + tenantId));
    }

    /** The page where a platform admin picks the tenant a per-tenant page (keys, quotas) shows. */
    public String pickerPage(Model model, String target, String titleKey) {
        model.addAttribute("tenants", list());
        model.addAttribute("target", target);
        model.addAttribute("titleKey", titleKey);
        return "console/pick-tenant";
    }
}
