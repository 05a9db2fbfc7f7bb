package io.moeplatform.inference.cli;

/**
 * Latencies of a group of requests from their tokens' arrival times.
 *
 * @param ttftMs per request, time from {@code startNanos} to its first token
 * @param itlMs every gap between consecutive tokens of every request
 * @param tokens tokens over all requests
 * @param firstTokensDoneNanos when the last request got its first token
 * @param lastNanos when the last token arrived
 */
record TokenLatencies(double[] ttftMs, double[] itlMs, long tokens, long firstTokensDoneNanos, long lastNanos) {

    /**
     * @param startNanos when the requests were submitted
     * @param tokenNanos per request, the arrival time of each token; every request must have at least one
     */
    static TokenLatencies of(long startNanos, long[][] tokenNanos) {
        double[] ttft = new double[tokenNanos.length];
        int gaps = 0;
        for (long[] times : tokenNanos) {
            gaps += Math.max(0, times.length - 1);
        }
        double[] itl = new double[gaps];
        int gap = 0;
        long firstDone = startNanos;
        long last = startNanos;
        long tokens = 0;
        for (int r = 0; r < tokenNanos.length; r++) {
            long[] times = tokenNanos[r];
            if (times.length == 0) {
                throw new IllegalStateException("request " + r + " generated no token");
            }
            ttft[r] = (times[0] - startNanos) / 1e6;
            firstDone = Math.max(firstDone, times[0]);
            last = Math.max(last, times[times.length - 1]);
            tokens += times.length;
            for (int i = 1; i < times.length; i++) {
                itl[gap++] = (times[i] - times[i - 1]) / 1e6;
            }
        }
        return new TokenLatencies(ttft, itl, tokens, firstDone, last);
    }
}
