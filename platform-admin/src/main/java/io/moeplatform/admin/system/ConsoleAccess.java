package io.moeplatform.admin.system;

import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUserDetails;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * Who is signed in and which tenants they may see: the platform admin all, a tenant-bound user only its own. Every
 * controller that takes a tenant or key id checks it here, so guessing another tenant's id gets 403.
 */
@Component
public class ConsoleAccess {

    public ConsoleUserDetails user() {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof ConsoleUserDetails user) {
            return user;
        }
        throw new AccessDeniedException("Not signed in as a console user");
    }

    /** The acting user's name, as written to the audit log. */
    public String actor() {
        return user().getUsername();
    }

    public boolean platformAdmin() {
        return user().role() == ConsoleRole.PLATFORM_ADMIN;
    }

    /** The only tenant the user may see, or null when it may see all. */
    public @Nullable UUID tenantScope() {
        return platformAdmin() ? null : user().tenantId();
    }

    /** @throws AccessDeniedException when the user is bound to another tenant */
    public void checkTenant(UUID tenantId) {
        var scope = tenantScope();
        if (scope != null && !scope.equals(tenantId)) {
            throw new AccessDeniedException("Tenant " + tenantId + " is not this user's");
        }
    }

    /**
     * The tenant a page shows: the requested one if the user may see it (else 403), a tenant-bound user's own when
     * none was requested, or null when a platform admin did not pick one.
     */
    public @Nullable UUID pick(@Nullable UUID requested) {
        if (requested == null) {
            return tenantScope();
        }
        checkTenant(requested);
        return requested;
    }
}
