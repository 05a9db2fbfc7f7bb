package io.moeplatform.inference.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Encoding and decoding of the real Qwen3 and DeepSeek-V3 tokenizers, id for id
 * against goldens that transformers' fast tokenizer produced from each
 * checkpoint's own tokenizer.json.
 */
class HfTokenizerTests {

    private static HfTokenizer qwen;
    private static HfTokenizer deepseek;

    @BeforeAll
    static void load() {
        qwen = TestTokenizers.tokenizer(TestTokenizers.QWEN3);
        deepseek = TestTokenizers.tokenizer(TestTokenizers.DEEPSEEK_V3);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void encodesEveryGoldenStringToTransformersIds(String name) {
        HfTokenizer tokenizer = TestTokenizers.tokenizer(name);
        for (JsonNode c : TestTokenizers.golden(name).get("encode")) {
            String text = c.get("text").asString();
            assertThat(tokenizer.encode(text)).as(text).containsExactly(TestTokenizers.ids(c.get("ids")));
            assertThat(tokenizer.tokens(text)).as(text).containsExactly(strings(c.get("tokens")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void encodesEveryRenderedGoldenChatToTransformersIds(String name) {
        HfTokenizer tokenizer = TestTokenizers.tokenizer(name);
        for (JsonNode c : TestTokenizers.golden(name).get("chat")) {
            assertThat(tokenizer.encode(c.get("text").asString())).as(c.get("name").asString())
                    .containsExactly(TestTokenizers.ids(c.get("ids")));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void decodesGoldenIdsWithAndWithoutSpecialTokens(String name) {
        HfTokenizer tokenizer = TestTokenizers.tokenizer(name);
        for (JsonNode c : TestTokenizers.golden(name).get("encode")) {
            int[] ids = TestTokenizers.ids(c.get("ids"));
            String text = c.get("text").asString();
            assertThat(tokenizer.decode(ids, false)).as(text).isEqualTo(c.get("decoded").asString());
            assertThat(tokenizer.decode(ids, true)).as(text).isEqualTo(c.get("decoded_skip_special").asString());
        }
        for (JsonNode c : TestTokenizers.golden(name).get("chat")) {
            assertThat(tokenizer.decode(TestTokenizers.ids(c.get("ids")), false)).as(c.get("name").asString())
                    .isEqualTo(c.get("text").asString());
        }
    }

    @Test
    void deepseekSkipsOnlyTheAddedTokensMarkedSpecial() {
        // the template's markers are single added tokens, not spelled out
        assertThat(deepseek.encode("<｜begin▁of▁sentence｜><｜User｜>Hi<｜end▁of▁sentence｜>"))
                .containsExactly(0, 128803, 23166, 1);
        assertThat(deepseek.specialTokenIds()).contains(0, 1).doesNotContain(128803, 128804);
        // <｜User｜> is an added token but not special in tokenizer.json, so it survives skipping
        assertThat(deepseek.decode(new int[]{0, 128803, 23166, 1}, true)).isEqualTo("<｜User｜>Hi");
    }

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void tokenBytesConcatenateToTheDecodedText(String name) {
        HfTokenizer tokenizer = TestTokenizers.tokenizer(name);
        for (JsonNode c : TestTokenizers.golden(name).get("encode")) {
            var bytes = new ByteArrayOutputStream();
            for (int id : TestTokenizers.ids(c.get("ids"))) {
                bytes.writeBytes(tokenizer.tokenBytes(id));
            }
            assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(c.get("decoded").asString());
        }
    }

    @Test
    void tokenBytesOfSplitCharactersAreRawUtf8Pieces() {
        // a rare 4-byte character: Qwen3 spells it with several tokens, none of them valid UTF-8 alone
        int[] ids = qwen.encode(IncrementalDetokenizerTests.RARE);
        var bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            bytes.writeBytes(qwen.tokenBytes(id));
        }
        assertThat(bytes.toByteArray())
                .containsExactly(IncrementalDetokenizerTests.RARE.getBytes(StandardCharsets.UTF_8));
        assertThat(qwen.tokenBytes(qwen.encode("<|im_end|>")[0])).containsExactly("<|im_end|>".getBytes(
                StandardCharsets.UTF_8));
    }

    @Test
    void djlIsKeptOfflineWithoutUsagePingAndOnItsBundledCpuLibrary() {
        assertThat(setting("ai.djl.offline")).isEqualTo("true");
        assertThat(setting("OPT_OUT_TRACKING")).isEqualTo("true");
        assertThat(setting("RUST_FLAVOR")).isEqualTo("cpu");
    }

    private static String setting(String key) {
        return System.getenv(key) != null ? System.getenv(key) : System.getProperty(key);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void specialTokensAreTheAddedTokensMarkedSpecial(String name) throws Exception {
        HfTokenizer tokenizer = TestTokenizers.tokenizer(name);
        JsonNode json = JsonMapper.shared().readTree(
                Files.readString(TestTokenizers.directory(name).resolve("tokenizer.json")));
        int special = 0;
        for (JsonNode token : json.get("added_tokens")) {
            boolean isSpecial = token.get("special").asBoolean();
            assertThat(tokenizer.specialTokenIds().contains(token.get("id").asInt())).isEqualTo(isSpecial);
            special += isSpecial ? 1 : 0;
        }
        assertThat(tokenizer.specialTokenIds()).hasSize(special);
        assertThat(tokenizer.vocabularySize()).isEqualTo(TestTokenizers.golden(name).get("vocab_size").asInt());
    }

    @Test
    void qwenSpecialTokensAreTheChatMarkersButNotThink() {
        assertThat(qwen.specialTokenIds()).contains(151643, 151644, 151645).doesNotContain(qwen.encode("<think>")[0]);
    }

    private static String[] strings(JsonNode array) {
        String[] strings = new String[array.size()];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = array.get(i).asString();
        }
        return strings;
    }
}
