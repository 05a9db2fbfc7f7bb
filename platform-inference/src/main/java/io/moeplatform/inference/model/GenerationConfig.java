package io.moeplatform.inference.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Token ids from {@code generation_config.json}, with config.json as the
 * fallback when the file or a field is absent.
 *
 * @param eosTokenIds
 *            tokens that end generation ({@code eos_token_id}: an int or a list)
 * @param bosTokenId
 *            beginning-of-sequence token, or null
 * @param padTokenId
 *            padding token, or null
 */
public record GenerationConfig(List<Integer> eosTokenIds, @Nullable Integer bosTokenId, @Nullable Integer padTokenId) {

    public static final String FILE = "generation_config.json";

    public static GenerationConfig read(Path directory, ModelConfig config) {
        Path file = directory.resolve(FILE);
        JsonNode g = null;
        if (Files.isRegularFile(file)) {
            try {
                g = JsonMapper.builder().build().readTree(file.toFile());
            } catch (JacksonException e) {
                throw new ModelLoadException(file, "not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
        }
        JsonNode eos = g != null && g.hasNonNull("eos_token_id") ? g.get("eos_token_id") : config.eosTokenId();
        List<Integer> eosIds = new ArrayList<>();
        if (eos != null && eos.isArray()) {
            eos.forEach(n -> eosIds.add(n.asInt()));
        } else if (eos != null && eos.isNumber()) {
            eosIds.add(eos.asInt());
        }
        return new GenerationConfig(List.copyOf(eosIds), id(g, "bos_token_id"), id(g, "pad_token_id"));
    }

    private static @Nullable Integer id(@Nullable JsonNode g, String field) {
        return g != null && g.hasNonNull(field) && g.get(field).isNumber() ? g.get(field).asInt() : null;
    }
}
