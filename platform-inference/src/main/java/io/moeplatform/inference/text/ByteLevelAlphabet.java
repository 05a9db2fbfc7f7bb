package io.moeplatform.inference.text;

import java.util.Arrays;

/**
 * GPT-2's byte-to-unicode alphabet, used by byte-level BPE vocabularies: each of
 * the 256 byte values is written as one printable character, so that a token's
 * string in {@code tokenizer.json} spells its raw bytes. Printable Latin-1 bytes
 * ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves; the other 68
 * bytes are numbered, in byte order, from U+0100 upwards ({@code ' '} is
 * {@code 'Ġ'}, {@code '\n'} is {@code 'Ċ'}).
 */
public final class ByteLevelAlphabet {

    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevelAlphabet() {}

    /** The character that spells byte {@code b} (0..255). */
    public static char charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character spells, or -1 when it is not in the alphabet. */
    public static int byteOf(char c) {
        return c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /**
     * The bytes a token string spells, or null when some character is outside the
     * alphabet (then the string is not byte-level encoded).
     */
    public static byte @org.jspecify.annotations.Nullable [] decode(String token) {
        byte[] bytes = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return null;
            }
            bytes[i] = (byte) b;
        }
        return bytes;
    }

    /** Spells bytes in the alphabet, one character per byte. */
    public static String encode(byte[] bytes) {
        var text = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            text.append(charOf(b));
        }
        return text.toString();
    }
}
