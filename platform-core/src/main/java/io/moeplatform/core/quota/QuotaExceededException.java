package io.moeplatform.core.quota;

import java.time.Duration;

/**
 * A limit does not allow the request now (HTTP 429).
 *
 * @see #retryAfter() when trying again may succeed
 * @see #budgetExhausted() true when a token budget (day/month) is spent: retrying soon will not help
 */
public class QuotaExceededException extends RuntimeException {
    private final Duration retryAfter;
    private final boolean budgetExhausted;
    private final String code;

    public QuotaExceededException(String message, String code, Duration retryAfter, boolean budgetExhausted) {
        super(message);
        this.code = code;
        this.retryAfter = retryAfter;
        this.budgetExhausted = budgetExhausted;
    }

    /** Machine-readable reason, e.g. {@code rate_limit_exceeded} or {@code insufficient_quota}. */
    public String code() {
        return code;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean budgetExhausted() {
        return budgetExhausted;
    }
}
