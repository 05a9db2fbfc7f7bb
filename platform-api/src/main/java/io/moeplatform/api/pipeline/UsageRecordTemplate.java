package io.moeplatform.api.pipeline;

import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageRecord;
import java.time.Duration;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The parts of a request's usage record known at admission: who pays, through which key and adapter, and how
 * many of the prompt tokens the adapter injected.
 */
record UsageRecordTemplate(UUID tenantId, UUID keyId, @Nullable String adapter, int injectedTokens) {

    UsageRecord record(String requestId, String model, int promptTokens, int completionTokens, int cachedTokens,
            @Nullable Duration timeToFirstToken, Duration duration, Outcome outcome, boolean streamed) {
        return new UsageRecord(requestId, tenantId, keyId, model, adapter, promptTokens, completionTokens,
                cachedTokens, injectedTokens, timeToFirstToken, duration, outcome, streamed);
    }
}
