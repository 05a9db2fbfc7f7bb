package io.moeplatform.core.apikey;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.tenant.TenantStatusChanged;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Authenticates API keys by their keyed hash, with a short per-replica cache: a hit costs one HMAC, a miss one
 * indexed query. Entries live {@code platform.security.api-key-cache-ttl} (default 5 s), which bounds how long a
 * revoked key or a suspended tenant keeps working on another replica; on this replica such changes evict at once.
 * Failed look-ups are cached too, so guessing keys does not reach the database at full speed.
 */
@Component
public class CachingApiKeyAuthenticator implements ApiKeyAuthenticator {

    /** Longer strings are not keys; refusing them early keeps hashing cheap. */
    private static final int MAX_SECRET_LENGTH = 512;

    private final JdbcClient jdbc;
    private final ApiKeyHasher hasher;
    private final Clock clock;
    private final Cache<String, Lookup> cache;

    CachingApiKeyAuthenticator(JdbcClient jdbc, ApiKeyHasher hasher, Clock clock,
            ApiKeySecurityProperties properties) {
        this.jdbc = jdbc;
        this.hasher = hasher;
        this.clock = clock;
        this.cache = Caffeine.newBuilder().expireAfterWrite(properties.apiKeyCacheTtl()).maximumSize(100_000)
                .build();
    }

    @Override
    public Optional<AuthenticatedKey> authenticate(String presentedSecret) {
        if (presentedSecret.isEmpty() || presentedSecret.length() > MAX_SECRET_LENGTH) {
            return Optional.empty();
        }
        var hash = hasher.hash(presentedSecret);
        var lookup = cache.get(hash, this::load);
        // expiry is checked on every call: a cached key must not outlive its expiry by the cache TTL
        if (lookup.key() == null || lookup.expiresAt() != null && !Instant.now(clock).isBefore(lookup.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(lookup.key());
    }

    /** Drops every cached result; the next authentication of each key reads the database. */
    public void evictAll() {
        cache.invalidateAll();
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void onKeysChanged(ApiKeysChanged event) {
        evictAll();
    }

    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void onTenantStatusChanged(TenantStatusChanged event) {
        evictAll();
    }

    private Lookup load(String hash) {
        var found = jdbc.sql("""
                SELECT k.id, k.tenant_id, t.name AS tenant_name, t.status, k.prefix, k.scopes, k.secret_hash,
                       k.expires_at, k.revoked_at
                FROM api_key k JOIN tenant t ON t.id = k.tenant_id
                WHERE k.secret_hash = ?""")
                .param(hash)
                .query((rs, n) -> new Row(rs.getObject("id", UUID.class), rs.getObject("tenant_id", UUID.class),
                        rs.getString("tenant_name"), TenantStatus.valueOf(rs.getString("status")),
                        rs.getString("prefix"), rs.getString("scopes"), rs.getString("secret_hash"),
                        rs.getObject("expires_at", OffsetDateTime.class),
                        rs.getObject("revoked_at", OffsetDateTime.class)))
                .optional();
        if (found.isEmpty()) {
            return Lookup.NONE;
        }
        var row = found.get();
        // the row was found by equality on the hash already; the constant-time comparison keeps timing
        // independent of the stored value should the look-up ever become a range or prefix match
        var matches = MessageDigest.isEqual(row.secretHash().getBytes(StandardCharsets.US_ASCII),
                hash.getBytes(StandardCharsets.US_ASCII));
        var now = Instant.now(clock);
        if (!matches || row.revokedAt() != null || row.status() != TenantStatus.ACTIVE
                || row.expiresAt() != null && !now.isBefore(row.expiresAt().toInstant())) {
            return Lookup.NONE;
        }
        // last use is recorded once per cache period, not per request
        jdbc.sql("UPDATE api_key SET last_used_at = ? WHERE id = ?").params(now.atOffset(ZoneOffset.UTC), row.id())
                .update();
        return new Lookup(new AuthenticatedKey(row.id(), row.tenantId(), row.tenantName(), row.prefix(),
                ApiKeyRegistry.splitScopes(row.scopes())),
                row.expiresAt() == null ? null : row.expiresAt().toInstant());
    }

    private record Row(UUID id, UUID tenantId, String tenantName, TenantStatus status, String prefix,
            String scopes, String secretHash, @Nullable OffsetDateTime expiresAt,
            @Nullable OffsetDateTime revokedAt) {}

    private record Lookup(@Nullable AuthenticatedKey key, @Nullable Instant expiresAt) {
        static final Lookup NONE = new Lookup(null, null);
    }
}
