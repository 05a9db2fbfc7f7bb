package io.moeplatform.api.openai.chat;

import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.inference.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Reads {@code messages}: each a role and a content given as a string or as an array of text parts
 * ({@code [{"type":"text","text":"..."}]}, joined with newlines as OpenAI does). Errors name the message index.
 */
public final class ChatMessages {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private ChatMessages() {}

    public static List<ChatMessage> parse(@Nullable JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw OpenAiApiException.invalidParameter("messages",
                    "messages must be a non-empty array of {\"role\", \"content\"} objects.");
        }
        var parsed = new ArrayList<ChatMessage>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            JsonNode message = messages.get(i);
            String param = "messages[" + i + "]";
            if (!message.isObject()) {
                throw OpenAiApiException.invalidParameter(param, param + " must be an object with role and content.");
            }
            JsonNode role = message.get("role");
            if (role == null || !role.isString() || !ROLES.contains(role.asString())) {
                throw OpenAiApiException.invalidParameter(param + ".role",
                        param + ".role must be one of " + ROLES + ".");
            }
            // OpenAI's "developer" role is the newer name of "system"; chat templates know only the latter.
            String roleName = role.asString().equals("developer") ? "system" : role.asString();
            parsed.add(new ChatMessage(roleName, content(message.get("content"), param + ".content")));
        }
        return List.copyOf(parsed);
    }

    private static String content(@Nullable JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        if (content.isArray()) {
            var text = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                JsonNode type = part.get("type");
                if (type == null || !"text".equals(type.asString()) || part.get("text") == null
                        || !part.get("text").isString()) {
                    throw OpenAiApiException.invalidParameter(param + "[" + i + "]", param + "[" + i
                            + "] must be a text part {\"type\": \"text\", \"text\": \"...\"}; this model reads text only.");
                }
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(part.get("text").asString());
            }
            return text.toString();
        }
        throw OpenAiApiException.invalidParameter(param, param + " must be a string or an array of text parts.");
    }
}
