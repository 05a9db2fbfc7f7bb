package io.moeplatform.core.user;

import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A console user as shown to administrators (never the password hash).
 *
 * @param tenantId the tenant of a tenant-bound role, null for the platform admin
 * @param lockedUntil set while the account is locked after too many failed logins
 */
public record ConsoleUser(UUID id, String username, ConsoleRole role, @Nullable UUID tenantId, boolean enabled,
        int failedLogins, @Nullable Instant lockedUntil, Instant createdAt) {}
