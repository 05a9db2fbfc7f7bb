package io.moeplatform.admin.system;

import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUserDetails;
import java.util.UUID;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/** Signed-in console users for MockMvc requests, with the principal type the real sign-in produces. */
public final class ConsoleUsers {

    private ConsoleUsers() {}

    public static RequestPostProcessor platformAdmin() {
        return as("root", ConsoleRole.PLATFORM_ADMIN, null);
    }

    public static RequestPostProcessor tenantAdmin(UUID tenantId) {
        return as("tadmin", ConsoleRole.TENANT_ADMIN, tenantId);
    }

    public static RequestPostProcessor tenantViewer(UUID tenantId) {
        return as("viewer", ConsoleRole.TENANT_VIEWER, tenantId);
    }

    private static RequestPostProcessor as(String name, ConsoleRole role, UUID tenantId) {
        return SecurityMockMvcRequestPostProcessors
                .user(new ConsoleUserDetails(name, "{noop}unused-password", true, true, role, tenantId));
    }
}
