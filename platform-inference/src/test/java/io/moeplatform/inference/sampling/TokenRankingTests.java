package io.moeplatform.inference.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenRankingTests {

    @Test
    void selectsTheSameTokensAsAFullSortIncludingTiesAndNegatives() {
        Random random = new Random(8);
        float[] logits = new float[20_000];
        for (int i = 0; i < logits.length; i++) {
            // Few distinct values, so many ties; negative and positive, with -0.0 and 0.0 among them.
            logits[i] = random.nextInt(41) - 20 + (random.nextBoolean() ? 0f : -0f);
        }
        int[] expected = IntStream.range(0, logits.length).boxed().sorted((x, y) -> {
            int byValue = Float.compare(logits[y] + 0f, logits[x] + 0f);
            return byValue != 0 ? byValue : Integer.compare(x, y);
        }).limit(700).mapToInt(Integer::intValue).toArray();
        assertThat(TokenRanking.best(logits, 700)).containsExactly(expected);
    }

    @Test
    void keyOrdersByDescendingValueThenAscendingId() {
        assertThat(TokenRanking.key(5f, 3)).isLessThan(TokenRanking.key(4f, 0));
        assertThat(TokenRanking.key(-1f, 2)).isLessThan(TokenRanking.key(-1.5f, 1));
        assertThat(TokenRanking.key(1f, 2)).isLessThan(TokenRanking.key(1f, 3));
        assertThat(TokenRanking.key(Float.NEGATIVE_INFINITY, 0)).isGreaterThan(TokenRanking.key(-1e30f, 9));
    }

    @Test
    void asksForMoreThanTheVocabularyReturnsEverything() {
        assertThat(TokenRanking.best(new float[]{1f, 3f, 2f}, 10)).containsExactly(1, 2, 0);
    }
}
