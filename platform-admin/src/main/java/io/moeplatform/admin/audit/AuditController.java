package io.moeplatform.admin.audit;

import io.moeplatform.admin.system.ConsoleAccess;
import io.moeplatform.admin.system.VisibleTenants;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * The audit log, newest first, filtered by tenant, actor, action and days (UTC, inclusive). Tenant-bound users
 * see only their tenant's entries; platform-wide entries (no tenant) only the platform admin.
 */
@Controller
class AuditController {

    static final int LIMIT = 500;

    private final AuditLog audit;
    private final ConsoleAccess access;
    private final VisibleTenants visibleTenants;

    AuditController(AuditLog audit, ConsoleAccess access, VisibleTenants visibleTenants) {
        this.audit = audit;
        this.access = access;
        this.visibleTenants = visibleTenants;
    }

    @GetMapping("/admin/audit")
    String audit(@RequestParam(required = false) @Nullable UUID tenant,
            @RequestParam(required = false) @Nullable String actor,
            @RequestParam(required = false) @Nullable AuditAction action,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate from,
            @RequestParam(required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE) @Nullable LocalDate to,
            Model model) {
        var chosen = access.pick(tenant);
        var actorFilter = actor == null || actor.isBlank() ? null : actor.strip();
        var query = new AuditQuery(chosen, actorFilter, action,
                from == null ? null : from.atStartOfDay(ZoneOffset.UTC).toInstant(),
                to == null ? null : to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), LIMIT);
        model.addAttribute("events", audit.find(query));
        model.addAttribute("tenants", visibleTenants.list());
        model.addAttribute("tenantNames", visibleTenants.namesById());
        model.addAttribute("actions", AuditAction.values());
        model.addAttribute("tenant", chosen);
        model.addAttribute("actor", actorFilter == null ? "" : actorFilter);
        model.addAttribute("action", action);
        model.addAttribute("from", from);
        model.addAttribute("to", to);
        model.addAttribute("limit", LIMIT);
        return "console/audit";
    }
}
