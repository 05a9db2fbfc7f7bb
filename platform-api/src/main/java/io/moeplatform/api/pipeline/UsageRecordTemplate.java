package io.moeplatform.api.pipeline;

import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageRecord;
import java.time.Duration;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** The parts of a request's usage record known at admission: who pays, through which key and adapter. */
record UsageRecordTemplate(UUID tenantId, UUID keyId, @Nullable String adapter) {

    UsageRecord record(String requestId, String model, int promptTokens, int completionTokens, int cachedTokens,
            @Nullable Duration timeToFirstToken, Duration duration, Outcome outcome, boolean streamed) {
        return new UsageRecord(requestId, tenantId, keyId, model, adapter, promptTokens, completionTokens,
                cachedTokens, 0, timeToFirstToken, duration, outcome, streamed);
    }
}
