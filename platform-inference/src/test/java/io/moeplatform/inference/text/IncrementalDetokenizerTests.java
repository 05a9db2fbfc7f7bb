package io.moeplatform.inference.text;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Streaming decode, token by token, must add up to the full decode and never
 * emit half a character.
 */
class IncrementalDetokenizerTests {

    /** A rare CJK extension-B character (4 UTF-8 bytes) that Qwen3 has no single token for. */
    static final String RARE = "\uD840\uDC0B";

    private static HfTokenizer qwen;

    @BeforeAll
    static void load() {
        qwen = TestTokenizers.tokenizer(TestTokenizers.QWEN3);
    }

    @ParameterizedTest
    @ValueSource(strings = {TestTokenizers.QWEN3, TestTokenizers.DEEPSEEK_V3})
    void deltasOfEveryGoldenSequenceAddUpToTheFullDecode(String name) {
        HfTokenizer tokenizer = TestTokenizers.tokenizer(name);
        List<int[]> sequences = new ArrayList<>();
        JsonNode golden = TestTokenizers.golden(name);
        golden.get("encode").forEach(c -> sequences.add(TestTokenizers.ids(c.get("ids"))));
        golden.get("chat").forEach(c -> sequences.add(TestTokenizers.ids(c.get("ids"))));
        for (int[] ids : sequences) {
            assertStreams(tokenizer, ids);
        }
    }

    @Test
    void holdsBackACharacterUntilItsLastByteArrives() {
        int[] ids = qwen.encode(RARE);
        assertThat(ids.length).isGreaterThan(1);
        var detokenizer = qwen.newDetokenizer(false);
        for (int i = 0; i < ids.length - 1; i++) {
            assertThat(detokenizer.push(ids[i])).isEmpty();
        }
        assertThat(detokenizer.push(ids[ids.length - 1])).isEqualTo(RARE);
        assertThat(detokenizer.flush()).isEmpty();
    }

    @Test
    void flushTurnsAnIncompleteCharacterIntoAReplacementCharacter() {
        int[] ids = qwen.encode(RARE);
        var detokenizer = qwen.newDetokenizer(false);
        assertThat(detokenizer.push(ids[0])).isEmpty();
        assertThat(detokenizer.flush()).isEqualTo(qwen.decode(new int[]{ids[0]}, false)).contains("\uFFFD");
    }

    @Test
    void idsBeyondTheTokenizerVocabularyDecodeToNothingLikeTheFullDecode() {
        // Qwen3 models have 151936 embedding rows, the tokenizer 151669 tokens
        int[] ids = {9707, 151800, 0, 151935};
        assertThat(qwen.decode(ids, false)).isEqualTo("Hello!");
        assertStreams(qwen, ids);
    }

    @Test
    void skipsSpecialTokensWhenAsked() {
        int[] ids = qwen.encode("<|im_start|>assistant\n<think>\n好</think><|im_end|>");
        assertThat(stream(qwen, ids, true)).isEqualTo("assistant\n<think>\n好</think>");
        assertThat(stream(qwen, ids, false)).isEqualTo("<|im_start|>assistant\n<think>\n好</think><|im_end|>");
    }

    @Test
    void sentencePieceStyleDecoderStreamsWithItsNeighbours(@TempDir Path dir) throws Exception {
        // Metaspace + byte fallback: "▁" becomes a space except at the start, and
        // the four <0x..> tokens only form "🚀" together.
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [
                  {"id": 8, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
                   "normalized": false, "special": true}],
                 "normalizer": null, "pre_tokenizer": {"type": "Metaspace", "replacement": "▁",
                   "prepend_scheme": "first", "split": false},
                 "post_processor": null,
                 "decoder": {"type": "Sequence", "decoders": [
                   {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
                   {"type": "ByteFallback"}, {"type": "Fuse"},
                   {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
                 "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "continuing_subword_prefix": null,
                   "end_of_word_suffix": null, "fuse_unk": true, "byte_fallback": true, "ignore_merges": false,
                   "vocab": {"<unk>": 0, "▁Hello": 1, "▁world": 2, "<0xF0>": 3, "<0x9F>": 4, "<0x9A>": 5,
                             "<0x80>": 6, "!": 7},
                   "merges": []}}
                """);
        try (var tokenizer = HfTokenizer.load(dir.resolve("tokenizer.json"))) {
            int[] ids = {1, 2, 3, 4, 5, 6, 7, 8, 1};
            assertThat(tokenizer.decode(ids, true)).isEqualTo("Hello world🚀! Hello");
            assertStreams(tokenizer, ids);
        }
    }

    private static void assertStreams(Tokenizer tokenizer, int[] ids) {
        for (boolean skip : new boolean[]{false, true}) {
            assertThat(stream(tokenizer, ids, skip)).isEqualTo(tokenizer.decode(ids, skip));
        }
    }

    /** Streams ids one at a time; asserts no delta carries a replacement character. */
    private static String stream(Tokenizer tokenizer, int[] ids, boolean skipSpecialTokens) {
        var detokenizer = tokenizer.newDetokenizer(skipSpecialTokens);
        var text = new StringBuilder();
        for (int id : ids) {
            String delta = detokenizer.push(id);
            assertThat(delta).doesNotContain("\uFFFD");
            text.append(delta);
        }
        return text.append(detokenizer.flush()).toString();
    }
}
