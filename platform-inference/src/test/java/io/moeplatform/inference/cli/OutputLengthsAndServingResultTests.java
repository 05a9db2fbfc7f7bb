package io.moeplatform.inference.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OutputLengthsAndServingResultTests {

    private static final long MS = 1_000_000L;

    @Test
    void uniformLengthsStayInsideTheirInclusiveRangeAndReachBothEnds() {
        OutputLengths lengths = OutputLengths.parse("bench", " 64..67 ");
        SplittableRandom random = new SplittableRandom(1);
        boolean[] seen = new boolean[4];
        for (int i = 0; i < 400; i++) {
            int n = lengths.draw(random);
            assertThat(n).isBetween(64, 67);
            seen[n - 64] = true;
        }
        assertThat(seen).containsOnly(true);
        assertThat(lengths).hasToString("64..67");
        assertThat(OutputLengths.parse("bench", "64")).hasToString("64")
                .satisfies(l -> assertThat(l.draw(random)).isEqualTo(64));
    }

    @Test
    void servingRatesAndLatenciesComeFromTokenArrivalTimes() {
        long start = 1_000 * MS;
        // Request 0: first token at +50 ms, then +60, +80; request 1: first at +100 ms, then +110.
        long[][] tokens = {{start + 50 * MS, start + 60 * MS, start + 80 * MS}, {start + 100 * MS, start + 110 * MS}};
        ServingResult r = ServingResult.of(128, "2..3", start, tokens);
        assertThat(r.outputTokens()).isEqualTo(5);
        assertThat(r.seconds()).isCloseTo(0.110, within(1e-9));
        assertThat(r.outputTokensPerSecond()).isCloseTo(5 / 0.110, within(1e-6));
        assertThat(r.ttftP50Ms()).isCloseTo(50.0, within(1e-9));
        assertThat(r.ttftP99Ms()).isCloseTo(100.0, within(1e-9));
        // gaps 10, 20 | 10
        assertThat(r.itlP50Ms()).isCloseTo(10.0, within(1e-9));
        assertThat(r.itlP99Ms()).isCloseTo(20.0, within(1e-9));
    }
}
