package io.moeplatform.inference;

import java.time.Duration;

/**
 * Where the time of a request went.
 *
 * @param queued
 *            from submit until the first prefill step
 * @param timeToFirstToken
 *            from submit until the first token was emitted
 * @param total
 *            from submit until completion
 */
public record Timings(Duration queued, Duration timeToFirstToken, Duration total) {}
