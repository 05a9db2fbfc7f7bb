package io.moeplatform.inference.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A model directory's text assets: {@code tokenizer.json} (required),
 * {@code tokenizer_config.json} and {@code chat_template.jinja} (optional; the
 * .jinja file wins over the config's {@code chat_template}, as in transformers).
 * Owns the tokenizer: close it with the model.
 *
 * @param tokenizer
 *            the tokenizer
 * @param chatTemplate
 *            the chat template, or null when the model has none
 * @param config
 *            what tokenizer_config.json declares (empty when absent)
 * @param endOfSequenceTokens
 *            the {@code eos_token} text, if declared
 * @param endOfSequenceIds
 *            the id of {@code eos_token}, if declared
 */
public record ModelTextAssets(HfTokenizer tokenizer, @Nullable JinjaChatTemplate chatTemplate, TokenizerConfig config,
        List<String> endOfSequenceTokens, Set<Integer> endOfSequenceIds) implements AutoCloseable {

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String TOKENIZER_CONFIG_JSON = "tokenizer_config.json";
    public static final String CHAT_TEMPLATE_JINJA = "chat_template.jinja";

    /** Loads the text assets of a model directory; failures name the file and what to change. */
    public static ModelTextAssets load(Path modelDirectory) {
        Path tokenizerJson = modelDirectory.resolve(TOKENIZER_JSON);
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("model directory " + modelDirectory + " has no " + TOKENIZER_JSON
                    + "; add the Hugging Face fast-tokenizer file next to the weights");
        }
        Path configFile = modelDirectory.resolve(TOKENIZER_CONFIG_JSON);
        Path jinja = modelDirectory.resolve(CHAT_TEMPLATE_JINJA);
        byte[] json;
        try {
            json = Files.readAllBytes(tokenizerJson);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + tokenizerJson, e);
        }
        return of(HfTokenizer.load(json, tokenizerJson.toString()),
                Files.isRegularFile(configFile) ? read(configFile) : null, configFile.toString(),
                Files.isRegularFile(jinja) ? read(jinja) : null);
    }

    /**
     * The demo model's assets, from this module's resources: a byte-level tokenizer
     * whose ids 0..255 are the bytes, Qwen3's special tokens at 256..264 and
     * Qwen3's chat template.
     */
    public static ModelTextAssets demo() {
        String base = "/io/moeplatform/inference/demo/";
        return of(HfTokenizer.load(resource(base + TOKENIZER_JSON), "classpath:" + base + TOKENIZER_JSON),
                new String(resource(base + TOKENIZER_CONFIG_JSON), StandardCharsets.UTF_8),
                "classpath:" + base + TOKENIZER_CONFIG_JSON, null);
    }

    /**
     * Assembles assets from a loaded tokenizer (taken over: closed on failure) and
     * the optional config and template texts.
     */
    static ModelTextAssets of(HfTokenizer tokenizer, @Nullable String configText, String configSource,
            @Nullable String jinjaTemplate) {
        try {
            TokenizerConfig config = configText == null ? TokenizerConfig.EMPTY : parseConfig(configText, configSource);
            String templateSource = jinjaTemplate != null ? jinjaTemplate : config.chatTemplate();
            List<String> eosTokens = new ArrayList<>();
            List<Integer> eosIds = new ArrayList<>();
            if (config.eosToken() != null) {
                int id = tokenizer.tokenId(config.eosToken());
                if (id < 0) {
                    throw new IllegalArgumentException(configSource + ": eos_token '" + config.eosToken()
                            + "' is not a token of the tokenizer; fix eos_token or the tokenizer.json");
                }
                eosTokens.add(config.eosToken());
                eosIds.add(id);
            }
            JinjaChatTemplate template = templateSource == null
                    ? null
                    : new JinjaChatTemplate(templateSource, config.templateVariables());
            return new ModelTextAssets(tokenizer, template, config, List.copyOf(eosTokens), Set.copyOf(eosIds));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static TokenizerConfig parseConfig(String text, String source) {
        try {
            return TokenizerConfig.of(JsonMapper.shared().readTree(text), source);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static byte[] resource(String path) {
        try (var in = ModelTextAssets.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("resource " + path + " is missing from the platform-inference jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + path, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
