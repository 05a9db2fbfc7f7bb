package io.moeplatform.inference.text;

import java.util.Arrays;

/**
 * Incremental decoding for tokenizers whose decoder is not byte-level (for
 * example SentencePiece's Metaspace with byte fallback), where a token's text
 * depends on its neighbours (a leading space is dropped at the start, byte tokens
 * only form a character together). We decode a short window of ids ending at the
 * newest one and emit what it adds to the window's decode without that id; while
 * the window ends in U+FFFD the character is incomplete and we wait. The window
 * starts a few tokens back so that context-dependent rules see the same
 * neighbours as in the full decode.
 */
final class PrefixDiffDetokenizer implements IncrementalDetokenizer {

    /** Tokens of left context decoded with each new one. */
    private static final int CONTEXT = 6;

    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private int[] ids = new int[16];
    private int size;
    /** Start of the decoded window; ids before it are already fully emitted. */
    private int prefixOffset;
    /** End of what has been emitted, as an index into ids. */
    private int readOffset;

    PrefixDiffDetokenizer(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    @Override
    public String push(int tokenId) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = tokenId;
        String emitted = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset), skipSpecialTokens);
        String window = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, size), skipSpecialTokens);
        if (window.length() <= emitted.length() || window.endsWith("\uFFFD") || !window.startsWith(emitted)) {
            return "";
        }
        readOffset = size;
        prefixOffset = Math.max(prefixOffset, size - CONTEXT);
        return window.substring(emitted.length());
    }

    @Override
    public String flush() {
        String emitted = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, readOffset), skipSpecialTokens);
        String window = tokenizer.decode(Arrays.copyOfRange(ids, prefixOffset, size), skipSpecialTokens);
        readOffset = size;
        return window.startsWith(emitted) ? window.substring(emitted.length()) : "";
    }
}
