package io.moeplatform.core.tenant;

import java.time.Instant;
import java.util.UUID;

public record TenantView(UUID id, String name, TenantStatus status, TenantPlan plan, Instant createdAt) {}
