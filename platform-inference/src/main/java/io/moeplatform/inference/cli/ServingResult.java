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
        TokenLatencies l = TokenLatencies.of(startNanos, tokenNanos);
        double seconds = (l.lastNanos() - startNanos) / 1e9;
        return new ServingResult(tokenNanos.length, promptLength, outputLengths, l.tokens(), seconds,
                seconds > 0 ? l.tokens() / seconds : 0, BenchResult.percentile(l.ttftMs(), 50),
                BenchResult.percentile(l.ttftMs(), 90), BenchResult.percentile(l.ttftMs(), 99),
                BenchResult.percentile(l.itlMs(), 50), BenchResult.percentile(l.itlMs(), 90),
                BenchResult.percentile(l.itlMs(), 99));
    }
}
