package io.moeplatform.core.apikey;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Credential settings.
 *
 * @param apiKeyPepper server secret mixed into every API key hash (HMAC-SHA-256 key); when unset, one is generated
 *     once and kept in the database so all replicas share it
 * @param apiKeyCacheTtl how long an authentication result is cached per replica; revocation and tenant suspension
 *     take at most this long to reach every replica
 * @param maxFailedLogins console login failures in a row that lock an account
 * @param lockoutDuration how long a locked console account stays locked
 */
@ConfigurationProperties("platform.security")
public record ApiKeySecurityProperties(
        @Nullable String apiKeyPepper,
        @DefaultValue("5s") Duration apiKeyCacheTtl,
        @DefaultValue("5") int maxFailedLogins,
        @DefaultValue("15m") Duration lockoutDuration) {}
