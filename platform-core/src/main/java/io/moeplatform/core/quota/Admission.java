package io.moeplatform.core.quota;

import io.moeplatform.core.metering.UsageRecord;

/**
 * An admitted request holding a token reservation and a concurrency slot. Exactly one {@link #finish} call settles
 * it; later calls do nothing, so every exit path (success, failure, client disconnect) may call it safely.
 */
public interface Admission {

    String requestId();

    /**
     * Settles the reservation to the actual usage, appends the usage event (idempotent on request id), and frees
     * the concurrency slot, in one transaction.
     */
    void finish(UsageRecord usage);
}
