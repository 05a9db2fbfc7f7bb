package io.moeplatform.inference.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer, run by DJL's binding of the
 * Rust {@code tokenizers} library, so encoding and decoding are exactly those of
 * transformers' fast tokenizers.
 *
 * <p>
 * DJL must never reach the network (we have none but Maven Central). On first use
 * it (1) copies its native library out of the jar into {@code ~/.djl.ai} and
 * would instead download a CUDA build when it sees a GPU, and (2) "calls home"
 * with a usage ping. Before DJL's classes initialise we therefore set
 * {@code ai.djl.offline=true} (no downloads; a missing native library fails
 * instead), {@code RUST_FLAVOR=cpu} (always the CPU build that ships inside the
 * jar) and {@code OPT_OUT_TRACKING=true} (no ping), unless the operator set them.
 * We also only create tokenizers from file contents, never from hub names.
 */
public final class HfTokenizer implements Tokenizer {

    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        setIfAbsent("RUST_FLAVOR", "cpu");
    }

    private static final Map<String, String> OPTIONS = Map.of("addSpecialTokens", "false", "truncation", "false",
            "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerDefinition definition;

    private HfTokenizer(HuggingFaceTokenizer tokenizer, TokenizerDefinition definition) {
        this.tokenizer = tokenizer;
        this.definition = definition;
    }

    /** Loads a {@code tokenizer.json}; the message of any failure names the file. */
    public static HfTokenizer load(Path tokenizerJson) {
        byte[] json;
        try {
            json = Files.readAllBytes(tokenizerJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer file " + tokenizerJson, e);
        }
        return load(json, tokenizerJson.toString());
    }

    /**
     * Loads a {@code tokenizer.json} from its bytes; {@code source} names it in
     * error messages.
     */
    public static HfTokenizer load(byte[] json, String source) {
        TokenizerDefinition definition;
        try {
            definition = TokenizerDefinition.of(JsonMapper.shared().readTree(json), source);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        try {
            return new HfTokenizer(HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), OPTIONS),
                    definition);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    source + " is not a tokenizer the Hugging Face tokenizers library accepts: "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public int[] encode(String text) {
        // Encoding holds no native memory: DJL copies ids out and frees the Rust side.
        Encoding encoding = tokenizer.encode(text, false, false);
        long[] ids = encoding.getIds();
        int[] result = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            result[i] = Math.toIntExact(ids[i]);
        }
        return result;
    }

    /** The token strings of text as the vocabulary spells them, for diagnostics. */
    public String[] tokens(String text) {
        return tokenizer.encode(text, false, false).getTokens();
    }

    @Override
    public String decode(int[] tokenIds, boolean skipSpecialTokens) {
        long[] ids = new long[tokenIds.length];
        for (int i = 0; i < tokenIds.length; i++) {
            ids[i] = tokenIds[i];
        }
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    @Override
    public byte[] tokenBytes(int tokenId) {
        return definition.bytesOf(tokenId);
    }

    @Override
    public IncrementalDetokenizer newDetokenizer(boolean skipSpecialTokens) {
        if (definition.byteLevel()) {
            return new ByteLevelDetokenizer(definition, skipSpecialTokens);
        }
        return new PrefixDiffDetokenizer(this, skipSpecialTokens);
    }

    @Override
    public Set<Integer> specialTokenIds() {
        return definition.specialTokenIds();
    }

    /** Id of a token string (vocabulary or added), or -1. */
    public int tokenId(String token) {
        return definition.idOf(token);
    }

    @Override
    public int vocabularySize() {
        return definition.vocabularySize();
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null && System.getenv(key) == null) {
            System.setProperty(key, value);
        }
    }
}
