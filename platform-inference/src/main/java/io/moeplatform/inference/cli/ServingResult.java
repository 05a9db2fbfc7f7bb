package io.moeplatform.inference.cli;

/**
 * One continuous-batching run: {@code requests} requests submitted at once, each generating its own number of
 * tokens, measured from the first submission to the last token. Times are milliseconds.
 *
 * @param outputLengths the output lengths as given, e.g. {@code 64..512} (uniform) or {@code 64}
 * @param outputTokensPerSecond every generated token over the whole run's wall time
 * @param ttftP50Ms time to first token from submission, over the requests
 * @param itlP50Ms inter-token latency over every consecutive token pair of every request
 */
record ServingResult(int requests, int promptLength, String outputLengths, long outputTokens, double seconds,
        double outputTokensPerSecond, double ttftP50Ms, double ttftP90Ms, double ttftP99Ms, double itlP50Ms,
        double itlP90Ms, double itlP99Ms) {

    /**
     * @param startNanos when the first request was submitted
     * @param tokenNanos per request, the arrival time of each token
     */
    static ServingResult of(int promptLength, String outputLengths, long startNanos, long[][] tokenNanos) {
        double[] ttft = new double[tokenNanos.length];
        int gaps = 0;
        for (long[] times : tokenNanos) {
            gaps += Math.max(0, times.length - 1);
        }
        double[] itl = new double[gaps];
        int gap = 0;
        long last = startNanos;
        long tokens = 0;
        for (int r = 0; r < tokenNanos.length; r++) {
            long[] times = tokenNanos[r];
            if (times.length == 0) {
                throw new IllegalStateException("request " + r + " generated no token");
            }
            ttft[r] = (times[0] - startNanos) / 1e6;
            last = Math.max(last, times[times.length - 1]);
            tokens += times.length;
            for (int i = 1; i < times.length; i++) {
                itl[gap++] = (times[i] - times[i - 1]) / 1e6;
            }
        }
        double seconds = (last - startNanos) / 1e9;
        return new ServingResult(tokenNanos.length, promptLength, outputLengths, tokens, seconds,
                seconds > 0 ? tokens / seconds : 0, BenchResult.percentile(ttft, 50), BenchResult.percentile(ttft, 90),
                BenchResult.percentile(ttft, 99), BenchResult.percentile(itl, 50), BenchResult.percentile(itl, 90),
                BenchResult.percentile(itl, 99));
    }
}
