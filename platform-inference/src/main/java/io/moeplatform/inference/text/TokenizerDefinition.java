package io.moeplatform.inference.text;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What we read ourselves from a {@code tokenizer.json} (DJL does the encoding and
 * decoding): every token's string, which tokens are added and which of those are
 * special, and whether the decoder is byte-level.
 *
 * @param tokens
 *            token id to its string (vocabulary and added tokens)
 * @param addedTokenIds
 *            ids of {@code added_tokens}; their string is their text
 * @param specialTokenIds
 *            ids of {@code added_tokens} with {@code special: true}
 * @param byteLevel
 *            whether the decoder is GPT-2 byte-level, so a token's string spells
 *            its bytes in {@link ByteLevelAlphabet}
 */
record TokenizerDefinition(Map<Integer, String> tokens, Set<Integer> addedTokenIds, Set<Integer> specialTokenIds,
        boolean byteLevel) {

    static TokenizerDefinition of(JsonNode root, String source) {
        JsonNode vocab = root.path("model").path("vocab");
        if (!vocab.isObject()) {
            throw new IllegalArgumentException(source + ": model.vocab must be an object of token to id; only "
                    + "BPE/WordPiece/WordLevel vocabularies are supported");
        }
        Map<Integer, String> tokens = new HashMap<>(vocab.size() * 2);
        for (var entry : vocab.properties()) {
            tokens.put(entry.getValue().asInt(), entry.getKey());
        }
        Set<Integer> added = new HashSet<>();
        Set<Integer> special = new HashSet<>();
        for (JsonNode token : root.path("added_tokens")) {
            int id = token.path("id").asInt();
            tokens.put(id, token.path("content").asString());
            added.add(id);
            if (token.path("special").asBoolean(false)) {
                special.add(id);
            }
        }
        return new TokenizerDefinition(Map.copyOf(tokens), Set.copyOf(added), Set.copyOf(special),
                isByteLevel(root.path("decoder")));
    }

    private static boolean isByteLevel(JsonNode decoder) {
        String type = decoder.path("type").asString("");
        if (type.equals("ByteLevel")) {
            return true;
        }
        if (type.equals("Sequence")) {
            JsonNode decoders = decoder.path("decoders");
            return decoders.size() == 1 && isByteLevel(decoders.get(0));
        }
        return false;
    }

    /** Id of a token string, or -1; a linear scan, for the few look-ups made at load time. */
    int idOf(String token) {
        for (var entry : tokens.entrySet()) {
            if (entry.getValue().equals(token)) {
                return entry.getKey();
            }
        }
        return -1;
    }

    int vocabularySize() {
        return tokens.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /**
     * The bytes a token contributes to decoded text. Byte-level: the bytes its
     * string spells; an added token whose text leaves the alphabet (such as
     * {@code <｜User｜>}) is its UTF-8, exactly as the Rust ByteLevel decoder does.
     * Other decoders: the UTF-8 of the string.
     */
    byte[] bytesOf(int id) {
        String token = tokens.get(id);
        if (token == null) {
            throw new IllegalArgumentException("token id " + id + " is not in the vocabulary (size "
                    + vocabularySize() + ")");
        }
        if (byteLevel) {
            byte[] bytes = ByteLevelAlphabet.decode(token);
            if (bytes != null) {
                return bytes;
            }
        }
        return token.getBytes(StandardCharsets.UTF_8);
    }
}
