package io.moeplatform.inference.engine;

import io.moeplatform.inference.sampling.TokenHistory;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/** The prompt (shared by all choices) and one choice's generated tokens, as penalties see them. */
final class TokenCounts implements TokenHistory {

    private final BitSet prompt;
    private final Map<Integer, Integer> generated = new HashMap<>();

    TokenCounts(BitSet prompt) {
        this.prompt = prompt;
    }

    void add(int tokenId) {
        generated.merge(tokenId, 1, Integer::sum);
    }

    @Override
    public int generatedCount(int tokenId) {
        return generated.getOrDefault(tokenId, 0);
    }

    @Override
    public boolean seen(int tokenId) {
        return tokenId >= 0 && prompt.get(tokenId) || generated.containsKey(tokenId);
    }
}
