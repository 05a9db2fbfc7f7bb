package io.moeplatform.core.apikey;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * API keys in the {@code api_key} table. Issued secrets look like {@code sk-moe-<prefix>-<secret>}: the prefix (8
 * random hex digits) is the public display handle, the secret carries 256 random bits; only the keyed hash of the
 * whole string is stored.
 */
@Service
public class ApiKeyRegistry implements ApiKeyService {

    static final String KEY_PREFIX = "sk-moe-";
    private static final String VIEW_COLUMNS = "id, tenant_id, name, prefix, scopes, created_at, expires_at,"
            + " revoked_at, last_used_at";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final JdbcClient jdbc;
    private final ApiKeyHasher hasher;
    private final AuditLog audit;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    ApiKeyRegistry(JdbcClient jdbc, ApiKeyHasher hasher, AuditLog audit, Clock clock,
            ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.hasher = hasher;
        this.audit = audit;
        this.clock = clock;
        this.events = events;
    }

    @Override
    @Transactional
    public IssuedApiKey issue(UUID tenantId, String name, Set<String> scopes, @Nullable Instant expiresAt,
            String actor) {
        var prefixBytes = new byte[4];
        RANDOM.nextBytes(prefixBytes);
        var secretBytes = new byte[32];
        RANDOM.nextBytes(secretBytes);
        var prefix = KEY_PREFIX + HexFormat.of().formatHex(prefixBytes);
        var secret = prefix + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        return store(tenantId, name, scopes, expiresAt, prefix, secret, actor);
    }

    /**
     * Registers a key whose secret the operator chose (the bootstrap key). Its display prefix is its first 8
     * characters.
     *
     * @throws IllegalArgumentException when the secret is shorter than 32 characters or already registered
     */
    @Transactional
    public IssuedApiKey register(UUID tenantId, String name, Set<String> scopes, @Nullable Instant expiresAt,
            String secret, String actor) {
        if (secret.length() < 32) {
            throw new IllegalArgumentException("An API key must have at least 32 characters; this one has "
                    + secret.length() + ".");
        }
        return store(tenantId, name, scopes, expiresAt, secret.substring(0, 8), secret, actor);
    }

    private IssuedApiKey store(UUID tenantId, String name, Set<String> scopes, @Nullable Instant expiresAt,
            String prefix, String secret, String actor) {
        if (name.isBlank() || name.length() > 200) {
            throw new IllegalArgumentException("API key name must have 1 to 200 characters.");
        }
        for (var scope : scopes) {
            if (!scope.matches("[a-z0-9:._-]{1,50}")) {
                throw new IllegalArgumentException("Scope '" + scope
                        + "' is invalid: use lower-case letters, digits, ':', '.', '_' or '-'.");
            }
        }
        var now = Instant.now(clock);
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw new IllegalArgumentException("Key expiry " + expiresAt + " is in the past; choose a later time.");
        }
        var id = UUID.randomUUID();
        try {
            jdbc.sql("""
                    INSERT INTO api_key (id, tenant_id, name, prefix, secret_hash, scopes, created_at, expires_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""")
                    .params(id, tenantId, name, prefix, hasher.hash(secret), String.join(",", new TreeSet<>(scopes)),
                            utc(now), expiresAt == null ? null : utc(expiresAt))
                    .update();
        } catch (DuplicateKeyException e) {
            throw new IllegalArgumentException("This API key is already registered.");
        } catch (DataIntegrityViolationException e) {
            throw new IllegalArgumentException("No tenant with id " + tenantId, e);
        }
        var details = new LinkedHashMap<String, Object>();
        details.put("keyId", id.toString());
        details.put("name", name);
        details.put("scopes", new TreeSet<>(scopes));
        details.put("expiresAt", expiresAt == null ? null : expiresAt.toString());
        audit.append(actor, AuditAction.API_KEY_ISSUED, tenantId, prefix, details);
        return new IssuedApiKey(id, tenantId, prefix, secret);
    }

    @Override
    @Transactional(readOnly = true)
    public List<ApiKeyView> list(UUID tenantId) {
        return jdbc.sql("SELECT " + VIEW_COLUMNS + " FROM api_key WHERE tenant_id = ? ORDER BY created_at, id")
                .param(tenantId).query(ApiKeyRegistry::row).list();
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<ApiKeyView> find(UUID keyId) {
        return jdbc.sql("SELECT " + VIEW_COLUMNS + " FROM api_key WHERE id = ?").param(keyId)
                .query(ApiKeyRegistry::row).optional();
    }

    @Override
    @Transactional
    public void revoke(UUID keyId, String actor) {
        var key = jdbc.sql("SELECT tenant_id, prefix, revoked_at FROM api_key WHERE id = ?").param(keyId)
                .query((rs, n) -> new RevocationTarget(rs.getObject(1, UUID.class), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class) != null))
                .optional()
                .orElseThrow(() -> new IllegalArgumentException("No API key with id " + keyId));
        if (key.revoked()) {
            return; // already revoked: nothing changes, nothing to audit
        }
        jdbc.sql("UPDATE api_key SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
                .params(utc(Instant.now(clock)), keyId).update();
        audit.append(actor, AuditAction.API_KEY_REVOKED, key.tenantId(), key.prefix(),
                Map.of("keyId", keyId.toString()));
        events.publishEvent(new ApiKeysChanged());
    }

    private record RevocationTarget(UUID tenantId, String prefix, boolean revoked) {}

    static Set<String> splitScopes(String scopes) {
        return scopes.isEmpty()
                ? Set.of()
                : Arrays.stream(scopes.split(",")).collect(Collectors.toUnmodifiableSet());
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static @Nullable Instant instant(ResultSet rs, String column) throws SQLException {
        var value = rs.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    private static ApiKeyView row(ResultSet rs, int rowNum) throws SQLException {
        return new ApiKeyView(rs.getObject("id", UUID.class), rs.getObject("tenant_id", UUID.class),
                rs.getString("name"), rs.getString("prefix"), splitScopes(rs.getString("scopes")),
                rs.getObject("created_at", OffsetDateTime.class).toInstant(), instant(rs, "expires_at"),
                instant(rs, "revoked_at"), instant(rs, "last_used_at"));
    }
}
