package io.moeplatform.core.tenant;

import java.util.Set;

/**
 * A tenant's limits. Zero means "no limit" for every numeric field.
 *
 * @param allowedModels served model names the tenant may use; empty means all
 * @param schedulingWeight the tenant's share of the engine relative to other tenants (at least 1)
 */
public record TenantPlan(
        long tokensPerDay,
        long tokensPerMonth,
        int requestsPerMinute,
        int maxConcurrentRequests,
        int maxTokensPerRequest,
        Set<String> allowedModels,
        int schedulingWeight) {

    /** No limits, all models, weight 1: the bootstrap tenant's plan. */
    public static TenantPlan unlimited() {
        return new TenantPlan(0, 0, 0, 0, 0, Set.of(), 1);
    }
}
