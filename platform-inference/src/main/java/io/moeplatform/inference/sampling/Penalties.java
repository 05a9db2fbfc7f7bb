package io.moeplatform.inference.sampling;

/**
 * Logit penalties for tokens a sequence has already seen, applied to the raw logits before temperature.
 *
 * <ul>
 * <li>Repetition (Hugging Face {@code RepetitionPenaltyLogitsProcessor}): for every token seen in the prompt or the
 * output, {@code l > 0 ? l / r : l * r}, so {@code r > 1} makes seen tokens less likely whatever the logit's sign.
 * <li>Presence and frequency (OpenAI): for every generated token with count {@code c > 0},
 * {@code l -= c * frequency + presence}. The prompt does not count.
 * </ul>
 *
 * Repetition is applied first, then presence/frequency (the order vLLM uses).
 *
 * @param repetition the repetition penalty, 1 is neutral
 * @param presence the presence penalty, 0 is neutral
 * @param frequency the frequency penalty, 0 is neutral
 */
record Penalties(float repetition, float presence, float frequency) {

    boolean neutral() {
        return repetition == 1f && presence == 0f && frequency == 0f;
    }

    /** Penalizes {@code logits} in place. O(V) history look-ups, skipped entirely when neutral. */
    void apply(float[] logits, TokenHistory history) {
        if (neutral()) {
            return;
        }
        boolean repeat = repetition != 1f;
        boolean counted = presence != 0f || frequency != 0f;
        for (int token = 0; token < logits.length; token++) {
            float logit = logits[token];
            if (repeat && history.seen(token)) {
                logit = logit > 0f ? logit / repetition : logit * repetition;
            }
            if (counted) {
                int count = history.generatedCount(token);
                if (count > 0) {
                    logit -= count * frequency + presence;
                }
            }
            logits[token] = logit;
        }
    }
}
