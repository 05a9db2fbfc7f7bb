package io.moeplatform.api.testing;

import io.moeplatform.inference.text.IncrementalDetokenizer;
import io.moeplatform.inference.text.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Test tokenizer for the demo checkpoint until the text module's tokenizer.json loader is merged: ASCII bytes are
 * their own ids, every other id reads as {@code "<id>"}; 256..258 are the special tokens (skipped when asked).
 */
final class ByteTokenizer implements Tokenizer {

    static final Set<Integer> SPECIAL = Set.of(256, 257, 258);
    private final int vocabularySize;

    ByteTokenizer(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }

    @Override
    public int[] encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = bytes[i] & 0x7f;
        }
        return ids;
    }

    @Override
    public String decode(int[] tokenIds, boolean skipSpecialTokens) {
        var text = new StringBuilder();
        for (int id : tokenIds) {
            if (skipSpecialTokens && SPECIAL.contains(id)) {
                continue;
            }
            text.append(id < 128 && id >= 32 ? String.valueOf((char) id) : "<" + id + ">");
        }
        return text.toString();
    }

    @Override
    public byte[] tokenBytes(int tokenId) {
        return decode(new int[]{tokenId}, false).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public IncrementalDetokenizer newDetokenizer(boolean skipSpecialTokens) {
        return new IncrementalDetokenizer() {
            @Override
            public String push(int tokenId) {
                return decode(new int[]{tokenId}, skipSpecialTokens);
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }

    @Override
    public Set<Integer> specialTokenIds() {
        return SPECIAL;
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public void close() {}
}
