package io.moeplatform.core.quota;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What a request asks to reserve.
 *
 * @param promptTokens prompt tokens including injected context
 * @param maxTokens the most completion tokens it may generate, over all choices
 */
public record AdmissionRequest(
        String requestId,
        UUID tenantId,
        UUID keyId,
        String model,
        @Nullable String adapter,
        int promptTokens,
        int maxTokens) {}
