package io.moeplatform.core.apikey;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

public record ApiKeyView(
        UUID keyId,
        UUID tenantId,
        String name,
        String prefix,
        Set<String> scopes,
        Instant createdAt,
        @Nullable Instant expiresAt,
        @Nullable Instant revokedAt,
        @Nullable Instant lastUsedAt) {}
