package io.moeplatform.core.quota;

/**
 * What a tenant uses of its limits right now, for showing beside them.
 *
 * @param tokensToday settled tokens of the current UTC day
 * @param reservedToday tokens reserved today by requests still running
 * @param tokensThisMonth settled tokens of the current UTC month
 * @param reservedThisMonth tokens reserved this month by requests still running
 * @param requestsThisMinute requests admitted in the current one-minute rate window
 * @param runningRequests admitted requests not finished yet (concurrency slots held)
 */
public record QuotaConsumption(long tokensToday, long reservedToday, long tokensThisMonth, long reservedThisMonth,
        int requestsThisMinute, long runningRequests) {}
