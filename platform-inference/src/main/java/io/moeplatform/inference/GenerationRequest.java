package io.moeplatform.inference;

import org.jspecify.annotations.Nullable;

/**
 * One generation job for the engine.
 *
 * @param requestId
 *            unique id, used in logs and for idempotent metering
 * @param modelId
 *            served model name
 * @param tenantId
 *            the tenant, for fair scheduling and metrics
 * @param schedulingClass
 *            the tenant's weight, priority and concurrency cap
 * @param promptTokenIds
 *            the prompt, already templated and tokenized
 * @param n
 *            number of independent choices sampled for the same prompt
 * @param loraAdapterId
 *            LoRA adapter to apply, or null for the base model
 * @param prefixCacheSalt
 *            scopes prefix-cache sharing (tenant and adapter), so tenants never
 *            share cached KV
 */
public record GenerationRequest(String requestId, String modelId, String tenantId, SchedulingClass schedulingClass,
        int[] promptTokenIds, SamplingParams sampling, StopConditions stop, int n, @Nullable String loraAdapterId,
        String prefixCacheSalt) {}
