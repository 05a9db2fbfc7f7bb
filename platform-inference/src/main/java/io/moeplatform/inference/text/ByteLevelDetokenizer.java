package io.moeplatform.inference.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Incremental decoding for byte-level BPE: the full decode of such a tokenizer is
 * the UTF-8 (lossy) decoding of all its tokens' bytes concatenated, so we append
 * each token's bytes and emit everything up to the start of a trailing character
 * that is still incomplete. Cutting only there keeps the concatenated deltas equal
 * to the full decode: UTF-8 resynchronises at every lead byte, so decoding the
 * two sides separately gives the same text as decoding them together.
 */
final class ByteLevelDetokenizer implements IncrementalDetokenizer {

    private final TokenizerDefinition definition;
    private final boolean skipSpecialTokens;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    ByteLevelDetokenizer(TokenizerDefinition definition, boolean skipSpecialTokens) {
        this.definition = definition;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    @Override
    public String push(int tokenId) {
        // Ids without a token (a model's embedding rows beyond the tokenizer's vocabulary) decode to
        // nothing, as in the full decode.
        if (!definition.tokens().containsKey(tokenId)
                || (skipSpecialTokens && definition.specialTokenIds().contains(tokenId))) {
            return "";
        }
        pending.writeBytes(definition.bytesOf(tokenId));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefixLength(bytes);
        if (complete == 0) {
            return "";
        }
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return new String(Arrays.copyOf(bytes, complete), StandardCharsets.UTF_8);
    }

    @Override
    public String flush() {
        String rest = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return rest;
    }

    /**
     * Length of the prefix that ends before a trailing incomplete character: if
     * one of the last three bytes is a lead byte of a 2-, 3- or 4-byte sequence
     * followed only by continuation bytes, fewer than it needs, we stop before it.
     */
    static int completePrefixLength(byte[] bytes) {
        int n = bytes.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int b = bytes[n - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for its lead byte
            }
            int needed = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
            return needed > back ? n - back : n;
        }
        return n;
    }
}
