package io.moeplatform.inference.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.ChatMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The real Qwen3 and DeepSeek-V3 templates against transformers' renderings. */
class JinjaChatTemplateTests {

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void rendersEveryGoldenChatByteIdentically(String name) throws IOException {
        var config = TokenizerConfig.of(
                JsonMapper.shared().readTree(Files.readString(TestTokenizers.directory(name).resolve(
                        "tokenizer_config.json"))),
                name);
        var template = new JinjaChatTemplate(config.chatTemplate(), config.templateVariables());
        for (JsonNode c : TestTokenizers.golden(name).get("chat")) {
            String rendered = template.render(messages(c.get("messages")), c.get("add_generation_prompt").asBoolean(),
                    kwargs(c.get("kwargs")));
            assertThat(rendered).as(c.get("name").asString()).isEqualTo(c.get("text").asString());
        }
    }

    static List<ChatMessage> messages(JsonNode array) {
        var messages = new ArrayList<ChatMessage>();
        for (JsonNode m : array) {
            messages.add(new ChatMessage(m.get("role").asString(), m.get("content").asString()));
        }
        return messages;
    }

    static Map<String, Object> kwargs(JsonNode object) {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        for (var entry : object.properties()) {
            JsonNode value = entry.getValue();
            kwargs.put(entry.getKey(), value.isBoolean() ? value.asBoolean() : value.asString());
        }
        return kwargs;
    }
}
