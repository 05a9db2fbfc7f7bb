package io.moeplatform.inference.text;

import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * What we use of a {@code tokenizer_config.json}.
 *
 * @param chatTemplate
 *            the chat template source: the string, or from a list of
 *            {@code {name, template}} the one named {@code default}; null when
 *            the file has none
 * @param bosToken
 *            {@code bos_token} text; in the file a string or an AddedToken
 *            object with {@code content}
 * @param eosToken
 *            {@code eos_token} text
 * @param padToken
 *            {@code pad_token} text
 * @param modelMaxLength
 *            {@code model_max_length}, or 0 when absent or unbounded
 */
public record TokenizerConfig(@Nullable String chatTemplate, @Nullable String bosToken, @Nullable String eosToken,
        @Nullable String padToken, int modelMaxLength) {

    static final TokenizerConfig EMPTY = new TokenizerConfig(null, null, null, null, 0);

    static TokenizerConfig of(JsonNode root, String source) {
        if (!root.isObject()) {
            throw new IllegalArgumentException(source + " must be a JSON object");
        }
        long maxLength = root.path("model_max_length").asLong(0);
        return new TokenizerConfig(chatTemplate(root.get("chat_template"), source), token(root.get("bos_token")),
                token(root.get("eos_token")), token(root.get("pad_token")),
                maxLength > 0 && maxLength <= Integer.MAX_VALUE ? (int) maxLength : 0);
    }

    private static @Nullable String chatTemplate(@Nullable JsonNode node, String source) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return node.asString();
        }
        if (node.isArray()) {
            for (JsonNode named : node) {
                if ("default".equals(named.path("name").asString(null))) {
                    return named.path("template").asString();
                }
            }
            throw new IllegalArgumentException(source + ": chat_template is a list without a template named "
                    + "\"default\"; add one or provide chat_template.jinja");
        }
        throw new IllegalArgumentException(source + ": chat_template must be a string or a list of {name, template}");
    }

    private static @Nullable String token(@Nullable JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.isObject() ? node.path("content").asString(null) : node.asString();
    }

    /** Special tokens as template variables; transformers leaves out the ones that are not set. */
    Map<String, String> templateVariables() {
        Map<String, String> variables = new HashMap<>();
        if (bosToken != null) {
            variables.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            variables.put("eos_token", eosToken);
        }
        if (padToken != null) {
            variables.put("pad_token", padToken);
        }
        return variables;
    }
}
