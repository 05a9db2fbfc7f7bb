package io.moeplatform.inference.sampling;

import java.util.SplittableRandom;

/**
 * The sampler of one sequence: penalties, temperature, then greedy or a seeded draw from the distribution truncated
 * by top-k, top-p and min-p.
 *
 * <p>
 * Steps for logits {@code l} over a vocabulary of size V:
 * <ol>
 * <li>{@link Penalties} change {@code l} in place.
 * <li>Temperature {@code T > 0}: {@code z = l / T}; greedy ({@code T = 0}) keeps {@code z = l}.
 * <li>Log-partition {@code logZ = max(z) + log(sum_i exp(z_i - max(z)))} over the whole vocabulary.
 * <li>Greedy: argmax of {@code z}, ties to the lowest id. Otherwise the candidates are the top-k tokens (all when
 * k = 0), then the smallest prefix of them in descending order whose probability (renormalized over the top-k) reaches
 * top-p, then those with {@code p_i >= min_p * p_max}; one {@code nextDouble()} of the sequence's random stream picks
 * a candidate with probability proportional to {@code exp(z_i)}.
 * <li>Log-probabilities: {@code z_i - logZ}, i.e. the log-softmax of the penalized, temperature-scaled logits over the
 * whole vocabulary, before top-k/top-p/min-p truncation (what OpenAI reports: after temperature; greedy reports the
 * penalized logits at temperature 1). Alternatives are the {@code topLogprobs} highest of the same distribution.
 * </ol>
 * Top-k and top-p select by partial selection ({@link TokenRanking}); without top-k, top-p first ranks 64 tokens and
 * widens eightfold only while they hold less than top-p of the mass, so a peaked distribution never sorts V tokens.
 * The full-vocabulary passes (scale, log-partition, draw) are vectorized in {@link LogitVectors}.
 */
final class LogitsSampler implements Sampler {

    private static final int FIRST_NUCLEUS_GUESS = 64;
    private static final int NUCLEUS_GROWTH = 8;

    private final int vocabularySize;
    private final float temperature;
    private final int topK;
    private final float topP;
    private final float minP;
    private final int topLogprobs;
    private final Penalties penalties;
    private final SplittableRandom random;

    LogitsSampler(int vocabularySize, float temperature, int topK, float topP, float minP, int topLogprobs,
            Penalties penalties, SplittableRandom random) {
        this.vocabularySize = vocabularySize;
        this.temperature = temperature;
        this.topK = topK >= vocabularySize ? 0 : topK;
        this.topP = topP;
        this.minP = minP;
        this.topLogprobs = topLogprobs;
        this.penalties = penalties;
        this.random = random;
    }

    @Override
    public SampledToken sample(float[] logits, TokenHistory history) {
        if (logits.length != vocabularySize) {
            throw new IllegalArgumentException(
                    "Expected " + vocabularySize + " logits (the vocabulary size), got " + logits.length);
        }
        penalties.apply(logits, history);
        if (temperature > 0f && temperature != 1f) {
            LogitVectors.scale(logits, 1f / temperature);
        }
        int argmax = TokenRanking.argmax(logits);
        float max = logits[argmax];
        if (!Float.isFinite(max)) {
            throw new IllegalArgumentException("Logits have no finite maximum (max " + max + ")");
        }
        double sumExp = LogitVectors.sumExp(logits, max, Float.NEGATIVE_INFINITY);
        double logZ = max + Math.log(sumExp);
        int chosen = temperature == 0f ? argmax : draw(logits, max, sumExp);
        int[] topIds = TokenRanking.best(logits, topLogprobs);
        float[] topValues = new float[topIds.length];
        for (int i = 0; i < topIds.length; i++) {
            topValues[i] = (float) (logits[topIds[i]] - logZ);
        }
        return new SampledToken(chosen, (float) (logits[chosen] - logZ), topIds, topValues);
    }

    private int draw(float[] logits, float max, double sumExp) {
        // min-p keeps p_i >= minP * p_max, i.e. z_i >= max + ln(minP); renormalization does not move this bound.
        float minLogit = minP > 0f ? (float) (max + Math.log(minP)) : Float.NEGATIVE_INFINITY;
        if (topK == 0 && topP >= 1f) {
            double total = minP > 0f ? LogitVectors.sumExp(logits, max, minLogit) : sumExp;
            return LogitVectors.crossing(logits, max, minLogit, random.nextDouble() * total);
        }
        int[] ranked;
        int count;
        if (topK > 0) {
            ranked = TokenRanking.best(logits, topK);
            count = topP < 1f ? nucleusLength(ranked, logits, max, mass(ranked, logits, max)) : ranked.length;
        } else {
            int guess = FIRST_NUCLEUS_GUESS;
            while (true) {
                ranked = TokenRanking.best(logits, guess);
                count = nucleusLength(ranked, logits, max, sumExp);
                if (count > 0 || ranked.length == logits.length) {
                    break;
                }
                guess = (int) Math.min((long) guess * NUCLEUS_GROWTH, logits.length);
            }
        }
        if (count <= 0) {
            // Rounding left the cumulative mass a hair under top-p over the whole ranking: keep it all.
            count = ranked.length;
        }
        return drawFromRanked(ranked, count, logits, max, minLogit);
    }

    private static double mass(int[] ids, float[] logits, float max) {
        double total = 0;
        for (int id : ids) {
            total += Math.exp(logits[id] - max);
        }
        return total;
    }

    /** Length of the shortest prefix of {@code ranked} holding at least top-p of {@code total}, or -1. */
    private int nucleusLength(int[] ranked, float[] logits, float max, double total) {
        double threshold = topP * total;
        double cumulative = 0;
        for (int i = 0; i < ranked.length; i++) {
            cumulative += Math.exp(logits[ranked[i]] - max);
            if (cumulative >= threshold) {
                return i + 1;
            }
        }
        return -1;
    }

    private int drawFromRanked(int[] ranked, int count, float[] logits, float max, float minLogit) {
        double total = 0;
        for (int i = 0; i < count; i++) {
            float logit = logits[ranked[i]];
            if (logit >= minLogit) {
                total += Math.exp(logit - max);
            }
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        int last = ranked[0];
        for (int i = 0; i < count; i++) {
            float logit = logits[ranked[i]];
            if (logit >= minLogit) {
                last = ranked[i];
                cumulative += Math.exp(logit - max);
                if (cumulative > target) {
                    return last;
                }
            }
        }
        return last;
    }
}
