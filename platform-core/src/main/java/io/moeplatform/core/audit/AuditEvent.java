package io.moeplatform.core.audit;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One appended audit entry.
 *
 * @param tenantId the tenant the change concerns, null for platform-wide changes
 * @param target what was changed, e.g. a key prefix or a user name
 * @param details JSON object with the change's parameters (never secrets)
 */
public record AuditEvent(long id, Instant occurredAt, String actor, AuditAction action, @Nullable UUID tenantId,
        String target, String details) {}
