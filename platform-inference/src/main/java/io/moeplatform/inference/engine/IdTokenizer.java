package io.moeplatform.inference.engine;

import io.moeplatform.inference.text.IncrementalDetokenizer;
import io.moeplatform.inference.text.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A tokenizer for checkpoints that ship without one (the golden tiny models, benchmarks with dummy weights): token
 * {@code i} reads as {@code "<i>"}. Engine tests and benchmarks are about token ids; text only has to be consistent.
 */
public final class IdTokenizer implements Tokenizer {

    private final int vocabularySize;

    public IdTokenizer(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    @Override
    public int[] encode(String text) {
        return java.util.Arrays.stream(text.replace(">", "").split("<")).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
    }

    @Override
    public String decode(int[] tokenIds, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        for (int id : tokenIds) {
            text.append('<').append(id).append('>');
        }
        return text.toString();
    }

    @Override
    public byte[] tokenBytes(int tokenId) {
        return decode(new int[]{tokenId}, false).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public IncrementalDetokenizer newDetokenizer(boolean skipSpecialTokens) {
        return IncrementalDetokenizer.perToken(this, skipSpecialTokens);
    }

    @Override
    public Set<Integer> specialTokenIds() {
        return Set.of();
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public void close() {}
}
