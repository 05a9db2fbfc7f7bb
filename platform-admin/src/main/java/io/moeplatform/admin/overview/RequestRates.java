package io.moeplatform.admin.overview;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;

/**
 * Rates from the cumulative Micrometer meters, as differences between two readings: API requests per second and
 * their error share from {@code http.server.requests} (only {@code /v1} URIs), and the mean batch size from
 * {@code moe.engine.batch.size}. Not thread-safe: one sampler calls it.
 */
class RequestRates {

    /** Rates over one interval. */
    record Sample(double requestsPerSecond, double errorRate, double meanBatchSize) {
        static final Sample NONE = new Sample(0, 0, 0);
    }

    private final MeterRegistry registry;
    private Reading last;
    private Sample latest = Sample.NONE;

    RequestRates(MeterRegistry registry) {
        this.registry = registry;
        this.last = read(System.nanoTime());
    }

    /** Takes a reading and returns the rates since the previous one. */
    Sample sample(long nowNanos) {
        var now = read(nowNanos);
        double seconds = (now.nanos - last.nanos) / 1e9;
        long requests = now.requests - last.requests;
        long errors = now.errors - last.errors;
        long steps = now.steps - last.steps;
        double sequences = now.sequences - last.sequences;
        last = now;
        latest = new Sample(seconds <= 0 ? 0 : requests / seconds, requests == 0 ? 0 : (double) errors / requests,
                steps == 0 ? 0 : sequences / steps);
        return latest;
    }

    Sample latest() {
        return latest;
    }

    private Reading read(long nanos) {
        long requests = 0;
        long errors = 0;
        for (Timer timer : Search.in(registry).name("http.server.requests").timers()) {
            var uri = timer.getId().getTag("uri");
            if (uri == null || !uri.startsWith("/v1")) {
                continue;
            }
            requests += timer.count();
            if (isError(timer.getId().getTag("status"))) {
                errors += timer.count();
            }
        }
        long steps = 0;
        double sequences = 0;
        for (var summary : Search.in(registry).name("moe.engine.batch.size").summaries()) {
            steps += summary.count();
            sequences += summary.totalAmount();
        }
        return new Reading(nanos, requests, errors, steps, sequences);
    }

    private static boolean isError(String status) {
        return status != null && !status.isEmpty() && (status.charAt(0) == '4' || status.charAt(0) == '5');
    }

    private record Reading(long nanos, long requests, long errors, long steps, double sequences) {}
}
