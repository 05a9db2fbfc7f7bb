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
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The audit log, newest first, a page of {@link #PAGE_SIZE} at a time, filtered by tenant, actor, action and days (UTC, inclusive). Tenant-bound users
 * see only their tenant's entries; platform-wide entries (no tenant) only the platform admin.
 */
@Controller
class AuditController {

    static final int PAGE_SIZE = 100;

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
            @RequestParam(defaultValue = "0") int page, Model model) {
        int shown = Math.max(0, page);
        var chosen = access.pick(tenant);
        var actorFilter = actor == null || actor.isBlank() ? null : actor.strip();
        var query = new AuditQuery(chosen, actorFilter, action,
                from == null ? null : from.atStartOfDay(ZoneOffset.UTC).toInstant(),
                to == null ? null : to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant(), PAGE_SIZE + 1,
                shown * PAGE_SIZE);
        // one entry more than a page tells whether a next page exists without counting the whole log
        var events = audit.find(query);
        model.addAttribute("events", events.subList(0, Math.min(PAGE_SIZE, events.size())));
        model.addAttribute("page", shown);
        model.addAttribute("hasNext", events.size() > PAGE_SIZE);
        model.addAttribute("previousPage", pageLink(chosen, actorFilter, action, from, to, shown - 1));
        model.addAttribute("nextPage", pageLink(chosen, actorFilter, action, from, to, shown + 1));
        model.addAttribute("tenants", visibleTenants.list());
        model.addAttribute("tenantNames", visibleTenants.namesById());
        model.addAttribute("actions", AuditAction.values());
        model.addAttribute("tenant", chosen);
        model.addAttribute("actor", actorFilter == null ? "" : actorFilter);
        model.addAttribute("action", action);
        model.addAttribute("from", from);
        model.addAttribute("to", to);
        model.addAttribute("pageSize", PAGE_SIZE);
        return "console/audit";
    }

    /** The same filters on another page; filters that are not set stay out of the link. */
    private static String pageLink(@Nullable UUID tenant, @Nullable String actor, @Nullable AuditAction action,
            @Nullable LocalDate from, @Nullable LocalDate to, int page) {
        var link = UriComponentsBuilder.fromPath("/admin/audit");
        if (tenant != null) {
            link.queryParam("tenant", tenant);
        }
        if (actor != null) {
            link.queryParam("actor", actor);
        }
        if (action != null) {
            link.queryParam("action", action);
        }
        if (from != null) {
            link.queryParam("from", from);
        }
        if (to != null) {
            link.queryParam("to", to);
        }
        return link.queryParam("page", page).encode().build().toUriString();
    }
}
