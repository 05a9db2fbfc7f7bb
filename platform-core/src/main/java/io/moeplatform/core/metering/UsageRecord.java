package io.moeplatform.core.metering;

import java.time.Duration;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * One request's usage, as settled and metered.
 *
 * @param promptTokens prompt tokens including injected ones
 * @param cachedTokens prompt tokens served from the prefix cache
 * @param injectedTokens prompt tokens injected by a knowledge-graph adapter
 * @param timeToFirstToken null when no token was produced
 */
public record UsageRecord(
        String requestId,
        UUID tenantId,
        UUID keyId,
        String model,
        @Nullable String adapter,
        int promptTokens,
        int completionTokens,
        int cachedTokens,
        int injectedTokens,
        @Nullable Duration timeToFirstToken,
        Duration duration,
        Outcome outcome,
        boolean streamed) {}
