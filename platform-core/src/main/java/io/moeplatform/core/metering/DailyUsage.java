package io.moeplatform.core.metering;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** One day's usage of a tenant for one model and adapter, with its cost at the model's prices. */
public record DailyUsage(
        LocalDate day,
        UUID tenantId,
        String model,
        @Nullable String adapter,
        long requests,
        long promptTokens,
        long completionTokens,
        long cachedTokens,
        long injectedTokens,
        BigDecimal cost) {}
