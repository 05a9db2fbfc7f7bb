package io.moeplatform.inference.engine;

import io.moeplatform.inference.text.IncrementalDetokenizer;
import io.moeplatform.inference.text.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * One character per token: ids 0..25 are a..z, 26..51 A..Z, 52..61 digits, 62 a
 * space, 63 the special end-of-sequence token {@code </s>}.
 */
final class ToyTokenizer implements Tokenizer {

    static final int EOS = 63;
    private final int vocabularySize;

    ToyTokenizer() {
        this(ToyExecutor.VOCABULARY);
    }

    /** A tokenizer that knows only the first {@code vocabularySize} ids (the rest of the logits are padding). */
    ToyTokenizer(int vocabularySize) {
        this.vocabularySize = vocabularySize;
    }
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";

    @Override
    public int[] encode(String text) {
        return text.chars().map(ch -> {
            int id = ALPHABET.indexOf(ch);
            if (id < 0) {
                throw new IllegalArgumentException("no token for '" + (char) ch + "'");
            }
            return id;
        }).toArray();
    }

    @Override
    public String decode(int[] tokenIds, boolean skipSpecialTokens) {
        StringBuilder text = new StringBuilder();
        for (int id : tokenIds) {
            if (id == EOS) {
                if (!skipSpecialTokens) {
                    text.append("</s>");
                }
            } else {
                text.append(ALPHABET.charAt(id));
            }
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
        return Set.of(EOS);
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public void close() {}
}
