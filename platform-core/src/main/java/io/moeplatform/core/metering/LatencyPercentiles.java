package io.moeplatform.core.metering;

/**
 * Latency percentiles over finished requests, in milliseconds; zero when there were none.
 *
 * @param requests requests the request-duration percentiles are over
 * @param ttftP50 time to first token, over requests that produced one
 */
public record LatencyPercentiles(long requests, double ttftP50, double ttftP90, double ttftP99, double durationP50,
        double durationP90, double durationP99) {}
