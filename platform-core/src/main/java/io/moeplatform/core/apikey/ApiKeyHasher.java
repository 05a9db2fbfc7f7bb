package io.moeplatform.core.apikey;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keyed hash of API key secrets: HMAC-SHA-256 under a server pepper. A stolen database alone does not allow
 * offline guessing of keys, and the hash is deterministic, so it doubles as the lookup handle.
 *
 * <p>The pepper comes from {@code platform.security.api-key-pepper}; when unset, the first replica to need it
 * generates one and stores it in {@code platform_setting}, and every replica reads that same row.
 */
@Component
public class ApiKeyHasher {

    static final String PEPPER_SETTING = "api-key-pepper";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final @Nullable String configuredPepper;
    private volatile byte @Nullable [] pepper;

    private final TransactionTemplate ownTransaction;

    ApiKeyHasher(JdbcClient jdbc, Clock clock, ApiKeySecurityProperties properties,
            PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        // the pepper is created outside any caller's transaction: a losing concurrent insert must not abort it
        this.ownTransaction = new TransactionTemplate(transactions);
        ownTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.clock = clock;
        var configured = properties.apiKeyPepper();
        this.configuredPepper = configured == null || configured.isBlank() ? null : configured;
    }

    /** Lower-case hex HMAC-SHA-256 of the secret. */
    public String hash(String secret) {
        try {
            var mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(pepper(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }

    private byte[] pepper() {
        var known = pepper;
        if (known == null) {
            known = (configuredPepper != null ? configuredPepper : storedPepper()).getBytes(StandardCharsets.UTF_8);
            pepper = known;
        }
        return known;
    }

    /** Reads the shared pepper, creating it if no replica has yet; a concurrent creator wins via the primary key. */
    private String storedPepper() {
        var existing = read();
        if (existing != null) {
            return existing;
        }
        var bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        try {
            ownTransaction.executeWithoutResult(status -> jdbc
                    .sql("INSERT INTO platform_setting (name, setting_value, created_at) VALUES (?, ?, ?)")
                    .params(PEPPER_SETTING, Base64.getEncoder().encodeToString(bytes),
                            OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC))
                    .update());
        } catch (DuplicateKeyException e) {
            // another replica stored its pepper first: use that one
        }
        var stored = read();
        if (stored == null) {
            throw new IllegalStateException("API key pepper could not be stored in platform_setting");
        }
        return stored;
    }

    private @Nullable String read() {
        return jdbc.sql("SELECT setting_value FROM platform_setting WHERE name = ?").param(PEPPER_SETTING)
                .query(String.class).optional().orElse(null);
    }
}
