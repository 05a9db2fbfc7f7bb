package io.moeplatform.inference.cli;

import java.util.Arrays;

/**
 * What one batch size measured. Times are milliseconds.
 *
 * @param batch concurrent requests, all submitted at once
 * @param decodeTokensPerSecond tokens that arrived after every request had its first token, divided by the time from
 *        that moment to the last token: the steady decode rate of the whole batch
 * @param prefillTokensPerSecond prompt tokens of the batch divided by the time from submission to the last request's
 *        first token (prefill of every prompt, plus the first decode step)
 * @param ttftP50Ms median time to first token over the batch's requests
 * @param ttftP90Ms 90th percentile time to first token
 * @param itlP50Ms median inter-token latency over every consecutive token pair of every request
 * @param itlP90Ms 90th percentile inter-token latency
 * @param itlP99Ms 99th percentile inter-token latency
 * @param generatedTokens tokens generated over the batch
 */
record BenchResult(int batch, double decodeTokensPerSecond, double prefillTokensPerSecond, double ttftP50Ms,
        double ttftP90Ms, double itlP50Ms, double itlP90Ms, double itlP99Ms, long generatedTokens) {

    /**
     * @param startNanos when the batch was submitted
     * @param tokenNanos per request, the arrival time of each token
     * @param promptLength tokens per prompt
     */
    static BenchResult of(int batch, long startNanos, long[][] tokenNanos, int promptLength) {
        long allFirst = startNanos;
        long last = startNanos;
        long generated = 0;
        double[] ttft = new double[tokenNanos.length];
        int gaps = 0;
        for (long[] times : tokenNanos) {
            gaps += Math.max(0, times.length - 1);
        }
        double[] itl = new double[gaps];
        int gap = 0;
        for (int r = 0; r < tokenNanos.length; r++) {
            long[] times = tokenNanos[r];
            if (times.length == 0) {
                throw new IllegalStateException("request " + r + " of batch " + batch + " generated no token");
            }
            ttft[r] = millis(times[0] - startNanos);
            allFirst = Math.max(allFirst, times[0]);
            last = Math.max(last, times[times.length - 1]);
            generated += times.length;
            for (int i = 1; i < times.length; i++) {
                itl[gap++] = millis(times[i] - times[i - 1]);
            }
        }
        long decoded = 0;
        for (long[] times : tokenNanos) {
            for (long t : times) {
                if (t > allFirst) {
                    decoded++;
                }
            }
        }
        double decodeSeconds = (last - allFirst) / 1e9;
        double prefillSeconds = (allFirst - startNanos) / 1e9;
        return new BenchResult(batch, decodeSeconds > 0 ? decoded / decodeSeconds : 0,
                prefillSeconds > 0 ? (double) batch * promptLength / prefillSeconds : 0, percentile(ttft, 50),
                percentile(ttft, 90), percentile(itl, 50), percentile(itl, 90), percentile(itl, 99), generated);
    }

    /** Nearest-rank percentile; 0 for no samples. */
    static double percentile(double[] samples, int p) {
        if (samples.length == 0) {
            return 0;
        }
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }
}
