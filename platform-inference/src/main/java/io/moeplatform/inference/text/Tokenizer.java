package io.moeplatform.inference.text;

import java.util.Set;

/** A model's tokenizer. Thread-safe. */
public interface Tokenizer extends AutoCloseable {

    /** Token ids of text, without adding special tokens. */
    int[] encode(String text);

    /** Text of token ids, optionally skipping special tokens. */
    String decode(int[] tokenIds, boolean skipSpecialTokens);

    /**
     * The raw bytes a token stands for (byte-level BPE tokens map to bytes, not to
     * characters).
     */
    byte[] tokenBytes(int tokenId);

    /** A new decoder that turns a stream of token ids into text deltas. */
    IncrementalDetokenizer newDetokenizer(boolean skipSpecialTokens);

    /** Ids of special (added, control) tokens such as {@code <|im_end|>}. */
    Set<Integer> specialTokenIds();

    int vocabularySize();

    @Override
    void close();
}
