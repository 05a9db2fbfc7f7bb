package io.moeplatform.inference.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Encoding and decoding of the real tokenizers. Qwen3 is checked id for id
 * against transformers' goldens. DeepSeek-V3's goldens are not usable for ids:
 * transformers 5.17 rebuilds that tokenizer as a Llama (Metaspace) tokenizer and
 * ignores its byte-level pre-tokenizer (its golden encodes Chinese text to no
 * ids at all and decodes "Hello, world!" as "Hello,world!"), so for DeepSeek we
 * check what tokenizer.json itself defines: lossless round trips and byte-level
 * token strings.
 */
class HfTokenizerTests {

    private static HfTokenizer qwen;
    private static HfTokenizer deepseek;

    @BeforeAll
    static void load() {
        qwen = TestTokenizers.tokenizer(TestTokenizers.QWEN3);
        deepseek = TestTokenizers.tokenizer(TestTokenizers.DEEPSEEK_V3);
    }

    @Test
    void encodesEveryGoldenStringToTransformersIds() {
        for (JsonNode c : TestTokenizers.golden(TestTokenizers.QWEN3).get("encode")) {
            String text = c.get("text").asString();
            assertThat(qwen.encode(text)).as(text).containsExactly(TestTokenizers.ids(c.get("ids")));
            assertThat(qwen.tokens(text)).as(text).containsExactly(strings(c.get("tokens")));
        }
    }

    @Test
    void encodesEveryRenderedGoldenChatToTransformersIds() {
        for (JsonNode c : TestTokenizers.golden(TestTokenizers.QWEN3).get("chat")) {
            assertThat(qwen.encode(c.get("text").asString())).as(c.get("name").asString())
                    .containsExactly(TestTokenizers.ids(c.get("ids")));
        }
    }

    @Test
    void decodesGoldenIdsWithAndWithoutSpecialTokens() {
        for (JsonNode c : TestTokenizers.golden(TestTokenizers.QWEN3).get("encode")) {
            int[] ids = TestTokenizers.ids(c.get("ids"));
            assertThat(qwen.decode(ids, false)).isEqualTo(c.get("decoded").asString());
            assertThat(qwen.decode(ids, true)).isEqualTo(c.get("decoded_skip_special").asString());
        }
        for (JsonNode c : TestTokenizers.golden(TestTokenizers.QWEN3).get("chat")) {
            assertThat(qwen.decode(TestTokenizers.ids(c.get("ids")), false)).isEqualTo(c.get("text").asString());
        }
    }

    @Test
    void deepseekRoundTripsEveryGoldenStringAndChat() {
        var golden = TestTokenizers.golden(TestTokenizers.DEEPSEEK_V3);
        for (JsonNode c : golden.get("encode")) {
            String text = c.get("text").asString();
            assertThat(deepseek.decode(deepseek.encode(text), false)).isEqualTo(text);
        }
        for (JsonNode c : golden.get("chat")) {
            String text = c.get("text").asString();
            int[] ids = deepseek.encode(text);
            assertThat(deepseek.decode(ids, false)).isEqualTo(text);
            // the template's markers are single special tokens, not spelled out
            assertThat(ids[0]).isEqualTo(0);
            assertThat(deepseek.specialTokenIds()).contains(0, 1);
        }
        assertThat(deepseek.tokens("Hello, world!")).containsExactly("Hello", ",", "Ġworld", "!");
        // <｜User｜> is an added token but not special in tokenizer.json, so it survives skipping
        assertThat(deepseek.decode(deepseek.encode("<｜User｜>Hi<｜end▁of▁sentence｜>"), true)).isEqualTo("<｜User｜>Hi");
    }

    @Test
    void tokenBytesConcatenateToTheDecodedText() {
        for (var tokenizer : new HfTokenizer[]{qwen, deepseek}) {
            for (JsonNode c : TestTokenizers.golden(TestTokenizers.QWEN3).get("encode")) {
                String text = c.get("text").asString();
                var bytes = new ByteArrayOutputStream();
                for (int id : tokenizer.encode(text)) {
                    bytes.writeBytes(tokenizer.tokenBytes(id));
                }
                assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo(text);
            }
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

    @Test
    void specialTokensAreTheAddedTokensMarkedSpecial() throws Exception {
        JsonNode json = JsonMapper.shared().readTree(
                Files.readString(TestTokenizers.directory(TestTokenizers.QWEN3).resolve("tokenizer.json")));
        int special = 0;
        for (JsonNode token : json.get("added_tokens")) {
            boolean isSpecial = token.get("special").asBoolean();
            assertThat(qwen.specialTokenIds().contains(token.get("id").asInt())).isEqualTo(isSpecial);
            special += isSpecial ? 1 : 0;
        }
        assertThat(qwen.specialTokenIds()).hasSize(special).contains(151643, 151644, 151645)
                .doesNotContain(qwen.encode("<think>")[0]);
        assertThat(qwen.vocabularySize()).isEqualTo(TestTokenizers.golden(TestTokenizers.QWEN3).get("vocab_size")
                .asInt());
    }

    private static String[] strings(JsonNode array) {
        String[] strings = new String[array.size()];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = array.get(i).asString();
        }
        return strings;
    }
}
