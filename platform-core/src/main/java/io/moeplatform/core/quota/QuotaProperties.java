package io.moeplatform.core.quota;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Quota settings.
 *
 * @param reservationTtl how long an admitted request holds its tokens and concurrency slot without finishing; after
 *     that the sweeper returns them (a crashed replica's requests). Longer than the longest request.
 * @param sweepInterval how often expired reservations and old rate windows are cleaned up
 * @param concurrencyRetryAfter the Retry-After given when all concurrency slots are taken
 */
@ConfigurationProperties("platform.quota")
public record QuotaProperties(
        @DefaultValue("15m") Duration reservationTtl,
        @DefaultValue("30s") Duration sweepInterval,
        @DefaultValue("1s") Duration concurrencyRetryAfter) {}
