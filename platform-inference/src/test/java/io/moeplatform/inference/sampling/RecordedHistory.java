package io.moeplatform.inference.sampling;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** A prompt and generated tokens, as the engine's history would report them. */
final class RecordedHistory implements TokenHistory {

    static final RecordedHistory EMPTY = new RecordedHistory(new int[0], new int[0]);

    private final Set<Integer> seen = new HashSet<>();
    private final Map<Integer, Integer> generated = new HashMap<>();

    RecordedHistory(int[] prompt, int[] output) {
        for (int token : prompt) {
            seen.add(token);
        }
        for (int token : output) {
            seen.add(token);
            generated.merge(token, 1, Integer::sum);
        }
    }

    @Override
    public int generatedCount(int tokenId) {
        return generated.getOrDefault(tokenId, 0);
    }

    @Override
    public boolean seen(int tokenId) {
        return seen.contains(tokenId);
    }
}
