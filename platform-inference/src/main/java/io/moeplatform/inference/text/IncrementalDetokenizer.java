package io.moeplatform.inference.text;

/**
 * Turns generated token ids into text deltas as they arrive. Never emits half a
 * UTF-8 character: bytes of an incomplete character are held back until a later
 * token completes them. One per sequence; not thread-safe.
 */
public interface IncrementalDetokenizer {

    /** Adds one token and returns the newly completed text, possibly empty. */
    String push(int tokenId);

    /**
     * Ends the stream: returns whatever is held back (an incomplete character
     * becomes U+FFFD).
     */
    String flush();

    /**
     * For tokenizers whose every token decodes to whole characters on its own (test and id tokenizers): each token's
     * text is {@code tokenizer.decode([id])}, nothing is ever held back.
     */
    static IncrementalDetokenizer perToken(Tokenizer tokenizer, boolean skipSpecialTokens) {
        return new IncrementalDetokenizer() {
            @Override
            public String push(int tokenId) {
                return tokenizer.decode(new int[]{tokenId}, skipSpecialTokens);
            }

            @Override
            public String flush() {
                return "";
            }
        };
    }
}
