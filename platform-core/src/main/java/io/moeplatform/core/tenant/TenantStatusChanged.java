package io.moeplatform.core.tenant;

import java.util.UUID;

/** Published when a tenant is suspended or resumed, so caches of this replica can drop what they know at once. */
public record TenantStatusChanged(UUID tenantId, TenantStatus status) {}
