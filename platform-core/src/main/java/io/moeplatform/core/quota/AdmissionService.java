package io.moeplatform.core.quota;

/**
 * Admits requests against a tenant's limits: requests per minute, concurrent requests, max tokens per request,
 * allowed models, and a token reservation against the daily and monthly budgets. Atomic in the database, so
 * several application instances sharing it never overspend together.
 */
public interface AdmissionService {

    /**
     * Reserves {@code promptTokens + maxTokens} and a concurrency slot.
     *
     * @throws QuotaExceededException when a rate, concurrency or token budget does not allow the request now
     * @throws RequestNotAllowedException when the tenant may not use the model/adapter, is suspended, or the
     *     request exceeds the tenant's max tokens per request
     */
    Admission admit(AdmissionRequest request);
}
