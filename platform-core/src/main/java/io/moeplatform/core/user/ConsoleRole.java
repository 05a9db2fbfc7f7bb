package io.moeplatform.core.user;

/** Console roles. Tenant roles are bound to exactly one tenant; the platform admin to none. */
public enum ConsoleRole {
    PLATFORM_ADMIN, TENANT_ADMIN, TENANT_VIEWER;

    public boolean tenantBound() {
        return this != PLATFORM_ADMIN;
    }

    /** Spring Security authority, e.g. {@code ROLE_TENANT_ADMIN}. */
    public String authority() {
        return "ROLE_" + name();
    }
}
