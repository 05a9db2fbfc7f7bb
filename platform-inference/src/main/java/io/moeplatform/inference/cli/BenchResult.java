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
        TokenLatencies l = TokenLatencies.of(startNanos, tokenNanos);
        long allFirst = l.firstTokensDoneNanos();
        long decoded = 0;
        for (long[] times : tokenNanos) {
            for (long t : times) {
                if (t > allFirst) {
                    decoded++;
                }
            }
        }
        double decodeSeconds = (l.lastNanos() - allFirst) / 1e9;
        double prefillSeconds = (allFirst - startNanos) / 1e9;
        return new BenchResult(batch, decodeSeconds > 0 ? decoded / decodeSeconds : 0,
                prefillSeconds > 0 ? (double) batch * promptLength / prefillSeconds : 0,
                percentile(l.ttftMs(), 50), percentile(l.ttftMs(), 90), percentile(l.itlMs(), 50),
                percentile(l.itlMs(), 90), percentile(l.itlMs(), 99), l.tokens());
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
}
