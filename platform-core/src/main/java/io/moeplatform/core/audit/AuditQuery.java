package io.moeplatform.core.audit;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Filter for reading the audit log; null fields do not filter. Newest entries first.
 *
 * @param from inclusive
 * @param to exclusive
 * @param limit the most entries returned
 */
public record AuditQuery(@Nullable UUID tenantId, @Nullable String actor, @Nullable AuditAction action,
        @Nullable Instant from, @Nullable Instant to, int limit, int offset) {

    public AuditQuery {
        if (limit < 1 || limit > 10_000) {
            throw new IllegalArgumentException("limit must be between 1 and 10000, was " + limit);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative, was " + offset);
        }
    }

    /** The newest {@code limit} matching entries. */
    public AuditQuery(@Nullable UUID tenantId, @Nullable String actor, @Nullable AuditAction action,
            @Nullable Instant from, @Nullable Instant to, int limit) {
        this(tenantId, actor, action, from, to, limit, 0);
    }

    public static AuditQuery forTenant(UUID tenantId) {
        return new AuditQuery(tenantId, null, null, null, null, 1000);
    }
}
