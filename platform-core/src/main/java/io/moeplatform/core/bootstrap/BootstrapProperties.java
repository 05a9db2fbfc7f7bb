package io.moeplatform.core.bootstrap;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * First-start credentials, used only while the database has no console users.
 *
 * @param adminPassword password of the {@code admin} console user (env {@code PLATFORM_BOOTSTRAP_ADMIN_PASSWORD});
 *     generated and printed once when unset
 * @param apiKey the exact API key of the {@code default} tenant (env {@code PLATFORM_BOOTSTRAP_API_KEY}), at least
 *     32 characters; generated and printed once when unset
 */
@ConfigurationProperties("platform.bootstrap")
public record BootstrapProperties(@Nullable String adminPassword, @Nullable String apiKey) {

    /** Shortest accepted bootstrap API key: 32 characters of a random string carry enough entropy. */
    public static final int MIN_API_KEY_LENGTH = 32;
}
