package io.moeplatform.adapters.kg.index;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The one normalization applied to entity names, aliases and prompt text before matching: NFKC (full-width forms
 * become half-width, compatibility characters their plain form), lower case, and every run of white space one
 * space. Both sides go through the same function, so positions in normalized text are all matching needs.
 */
public final class TextNormalizer {

    private TextNormalizer() {}

    public static String normalize(String text) {
        String folded = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
        var out = new StringBuilder(folded.length());
        boolean space = false;
        for (int i = 0; i < folded.length(); i++) {
            char c = folded.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                space = true;
                continue;
            }
            if (space && !out.isEmpty()) {
                out.append(' ');
            }
            space = false;
            out.append(c);
        }
        return out.toString();
    }

    /**
     * Whether the character belongs to a word of a script written with spaces between words (Latin, Cyrillic,
     * Greek, digits...). Chinese, Japanese and similar scripts are written without spaces: their names match
     * anywhere, while a Latin name must not be a piece of a longer word.
     */
    static boolean isSpacedWordChar(char c) {
        if (!Character.isLetterOrDigit(c)) {
            return false;
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(c);
        return switch (script) {
            case HAN, HIRAGANA, KATAKANA, THAI, LAO, KHMER, MYANMAR, TIBETAN -> false;
            default -> true;
        };
    }
}
