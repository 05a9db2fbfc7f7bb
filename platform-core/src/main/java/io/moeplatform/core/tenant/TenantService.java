package io.moeplatform.core.tenant;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Tenants and their plans. Every change is written to the audit log with the acting user. */
public interface TenantService {

    /** @throws IllegalArgumentException when the name is taken or the plan is invalid */
    TenantView create(String name, TenantPlan plan, String actor);

    Optional<TenantView> find(UUID tenantId);

    Optional<TenantView> findByName(String name);

    List<TenantView> list();

    /**
     * Tenants whose name contains {@code nameContains} (case-insensitive; blank matches all), by name.
     *
     * @throws IllegalArgumentException when the page is negative or the size not between 1 and 200
     */
    TenantPage search(String nameContains, int page, int size);

    TenantView updatePlan(UUID tenantId, TenantPlan plan, String actor);

    /** Suspended tenants' keys stop authenticating within seconds on every replica. */
    TenantView suspend(UUID tenantId, String actor);

    TenantView resume(UUID tenantId, String actor);
}
