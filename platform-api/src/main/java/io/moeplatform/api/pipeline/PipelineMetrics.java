package io.moeplatform.api.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.moeplatform.core.metering.UsageRecord;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Per-tenant request and token counters. Tag cardinality stays bounded: the first {@value #MAX_TENANT_TAGS}
 * tenants seen get their own tag, later ones share {@code other}, so a platform with thousands of tenants cannot
 * blow up the Prometheus series count.
 */
@Component
class PipelineMetrics {

    static final int MAX_TENANT_TAGS = 100;

    private final MeterRegistry registry;
    private final Set<UUID> taggedTenants = ConcurrentHashMap.newKeySet();

    PipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(UsageRecord usage) {
        String tenant = tenantTag(usage.tenantId());
        String outcome = usage.outcome().name().toLowerCase(java.util.Locale.ROOT);
        Counter.builder("platform.api.requests").description("Completed API generation requests by outcome")
                .tag("tenant", tenant).tag("model", usage.model()).tag("outcome", outcome).register(registry)
                .increment();
        Counter.builder("platform.api.tokens").description("Metered tokens").baseUnit("tokens").tag("tenant", tenant)
                .tag("model", usage.model()).tag("kind", "prompt").register(registry).increment(usage.promptTokens());
        Counter.builder("platform.api.tokens").description("Metered tokens").baseUnit("tokens").tag("tenant", tenant)
                .tag("model", usage.model()).tag("kind", "completion").register(registry)
                .increment(usage.completionTokens());
    }

    private String tenantTag(UUID tenantId) {
        if (taggedTenants.contains(tenantId)) {
            return tenantId.toString();
        }
        if (taggedTenants.size() < MAX_TENANT_TAGS && taggedTenants.add(tenantId)) {
            return tenantId.toString();
        }
        return taggedTenants.contains(tenantId) ? tenantId.toString() : "other";
    }
}
