package io.moeplatform.inference.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.ChatMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a model directory's tokenizer files, and the demo model's assets. */
class ModelTextAssetsTests {

    @Test
    void loadsQwen3AssetsWithTemplateAndEndOfSequence() {
        try (var assets = ModelTextAssets.load(TestTokenizers.directory(TestTokenizers.QWEN3))) {
            assertThat(assets.endOfSequenceTokens()).containsExactly("<|im_end|>");
            assertThat(assets.endOfSequenceIds()).containsExactly(151645);
            var codec = HfPromptCodec.of(assets, 4096);
            String prompt = codec.renderChat(List.of(new ChatMessage("user", "Hello!")), true);
            assertThat(prompt).isEqualTo("<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
            assertThat(codec.encode(prompt)).containsExactly(151644, 872, 198, 9707, 0, 151645, 198, 151644, 77091,
                    198);
            assertThat(codec.decode(codec.encode(prompt))).isEqualTo("user\nHello!\nassistant\n");
            assertThat(codec.contextLength()).isEqualTo(4096);
        }
    }

    @Test
    void deepseekEndOfSequenceComesFromAnAddedTokenObject() {
        try (var assets = ModelTextAssets.load(TestTokenizers.directory(TestTokenizers.DEEPSEEK_V3))) {
            assertThat(assets.endOfSequenceTokens()).containsExactly("<｜end▁of▁sentence｜>");
            assertThat(assets.endOfSequenceIds()).containsExactly(1);
            assertThat(assets.config().bosToken()).isEqualTo("<｜begin▁of▁sentence｜>");
        }
    }

    @Test
    void rejectsADirectoryWithoutTokenizerJsonNamingTheFile(@TempDir Path dir) {
        assertThatThrownBy(() -> ModelTextAssets.load(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tokenizer.json").hasMessageContaining(dir.toString());
    }

    @Test
    void rejectsMalformedTokenizerConfigNamingTheFile(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.json"), demoTokenizerJson());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": ");
        assertThatThrownBy(() -> ModelTextAssets.load(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("tokenizer_config.json").toString());
    }

    @Test
    void rejectsMalformedTokenizerJsonNamingTheFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\"}}");
        assertThatThrownBy(() -> ModelTextAssets.load(dir)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(dir.resolve("tokenizer.json").toString());
    }

    @Test
    void rejectsAnEndOfSequenceTokenTheTokenizerLacks(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.json"), demoTokenizerJson());
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertThatThrownBy(() -> ModelTextAssets.load(dir)).hasMessageContaining("eos_token '</s>'");
    }

    @Test
    void usesTheDefaultOfANamedTemplateListAndPrefersChatTemplateJinja(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.json"), demoTokenizerJson());
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"eos_token": {"__type": "AddedToken", "content": "<|im_end|>"},
                 "chat_template": [{"name": "tool_use", "template": "tools"},
                                   {"name": "default", "template": "{{ messages[0].content }}{{ eos_token }}"}]}
                """);
        var hello = List.of(new ChatMessage("user", "hi"));
        try (var assets = ModelTextAssets.load(dir)) {
            assertThat(assets.chatTemplate().render(hello, false)).isEqualTo("hi<|im_end|>");
        }
        Files.writeString(dir.resolve("chat_template.jinja"), "[{{ messages[0].role }}]\n");
        try (var assets = ModelTextAssets.load(dir)) {
            assertThat(assets.chatTemplate().render(hello, false)).isEqualTo("[user]");
        }
    }

    @Test
    void codecOfAModelWithoutTemplateRefusesChatsSayingWhy(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("tokenizer.json"), demoTokenizerJson());
        try (var assets = ModelTextAssets.load(dir)) {
            assertThat(assets.chatTemplate()).isNull();
            assertThatThrownBy(() -> HfPromptCodec.of(assets, 128).renderChat(List.of(), true))
                    .hasMessageContaining("no chat template");
        }
    }

    @Test
    void demoTokenizerMapsIdsToBytesAndSpecialTokens() {
        try (var assets = ModelTextAssets.demo()) {
            var tokenizer = assets.tokenizer();
            assertThat(tokenizer.vocabularySize()).isEqualTo(265);
            for (int b = 0; b < 256; b++) {
                assertThat(tokenizer.tokenBytes(b)).containsExactly((byte) b);
            }
            String[] specials = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>",
                    "</tool_call>", "<tool_response>", "</tool_response>"};
            for (int i = 0; i < specials.length; i++) {
                assertThat(tokenizer.encode(specials[i])).containsExactly(256 + i);
            }
            assertThat(tokenizer.specialTokenIds()).containsExactlyInAnyOrder(256, 257, 258);
            assertThat(assets.endOfSequenceIds()).containsExactly(258);
        }
    }

    @Test
    void demoTokenizerRoundTripsArbitraryUtf8() {
        try (var assets = ModelTextAssets.demo()) {
            var tokenizer = assets.tokenizer();
            String text = "Grüße, 世界! 🚀🔥 \uD840\uDC0B\n\ttabs  and  spaces ";
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = tokenizer.encode(text);
            assertThat(ids).hasSize(utf8.length);
            for (int i = 0; i < ids.length; i++) {
                assertThat(ids[i]).isEqualTo(utf8[i] & 0xFF);
            }
            assertThat(tokenizer.decode(ids, false)).isEqualTo(text);
            var detokenizer = tokenizer.newDetokenizer(true);
            var streamed = new StringBuilder();
            for (int id : ids) {
                streamed.append(detokenizer.push(id));
            }
            assertThat(streamed.append(detokenizer.flush())).hasToString(text);
        }
    }

    @Test
    void demoTemplateIsQwen3s() {
        try (var assets = ModelTextAssets.demo()) {
            var codec = HfPromptCodec.of(assets, 512);
            String prompt = codec.renderChat(List.of(new ChatMessage("user", "你好")), true);
            assertThat(prompt).isEqualTo("<|im_start|>user\n你好<|im_end|>\n<|im_start|>assistant\n");
            int[] ids = codec.encode(prompt);
            assertThat(ids[0]).isEqualTo(257);
            assertThat(ids[ids.length - 1]).isEqualTo('\n');
            assertThat(codec.decode(ids)).isEqualTo("user\n你好\nassistant\n");
        }
    }

    private static byte[] demoTokenizerJson() throws Exception {
        try (var in = TestTokenizers.resource("/io/moeplatform/inference/demo/tokenizer.json")) {
            return in.readAllBytes();
        }
    }
}
