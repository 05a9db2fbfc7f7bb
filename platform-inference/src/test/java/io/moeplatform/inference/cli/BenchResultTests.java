package io.moeplatform.inference.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BenchResultTests {

    private static final long MS = 1_000_000L;

    @Test
    void derivesRatesAndLatenciesFromTokenArrivalTimes() {
        long start = 1_000 * MS;
        // Two requests of 10-token prompts: first tokens at +100 ms and +200 ms, then one token every 10 ms.
        long[][] tokens = {{start + 100 * MS, start + 210 * MS, start + 220 * MS},
                {start + 200 * MS, start + 210 * MS, start + 220 * MS, start + 230 * MS}};
        BenchResult result = BenchResult.of(2, start, tokens, 10);
        // Prefill: 20 prompt tokens until the last first token at 200 ms.
        assertThat(result.prefillTokensPerSecond()).isCloseTo(100.0, within(1e-9));
        // Decode: 5 tokens after 200 ms, over the 30 ms until the last token.
        assertThat(result.decodeTokensPerSecond()).isCloseTo(5 / 0.030, within(1e-6));
        assertThat(result.ttftP50Ms()).isCloseTo(100.0, within(1e-9));
        assertThat(result.ttftP90Ms()).isCloseTo(200.0, within(1e-9));
        // Gaps: 110, 10 | 10, 10, 10.
        assertThat(result.itlP50Ms()).isCloseTo(10.0, within(1e-9));
        assertThat(result.itlP99Ms()).isCloseTo(110.0, within(1e-9));
        assertThat(result.generatedTokens()).isEqualTo(7);
    }

    @Test
    void percentileIsNearestRank() {
        double[] samples = {5, 1, 4, 2, 3, 6, 7, 8, 9, 10};
        assertThat(BenchResult.percentile(samples, 50)).isEqualTo(5);
        assertThat(BenchResult.percentile(samples, 90)).isEqualTo(9);
        assertThat(BenchResult.percentile(samples, 99)).isEqualTo(10);
        assertThat(BenchResult.percentile(new double[0], 50)).isZero();
    }
}
