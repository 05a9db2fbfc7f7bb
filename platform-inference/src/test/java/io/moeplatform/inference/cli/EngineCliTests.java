package io.moeplatform.inference.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.DemoModel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Runs the commands in-process on the demo model and on random weights of a tiny checkpoint's config. */
class EngineCliTests {

    @TempDir
    Path dataDir;

    /** Exit status and the two streams of one run. */
    record Run(int status, String out, String err) {}

    static Run cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EngineCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void generateStreamsTheSameGreedyCompletionEveryTime() {
        String model = DemoModel.ensure(dataDir).toString();
        Run first = cli("generate", "--model", model, "--prompt", "Hello", "--max-tokens", "6", "--device", "cpu",
                "--threads", "1");
        Run second = cli("generate", "--model", model, "--prompt", "Hello", "--max-tokens", "6", "--device", "cpu",
                "--threads", "1");
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(first.err()).containsPattern("moe-demo on cpu: \\d+ prompt tokens, [1-6] generated");
        assertThat(second.out()).isEqualTo(first.out());
    }

    @Test
    void generateWithChatAndASeedIsReproducible() {
        String model = DemoModel.ensure(dataDir).toString();
        String[] args = {"generate", "--model", model, "--prompt", "Hi", "--chat", "--temperature", "1", "--seed",
                "7", "--max-tokens", "5", "--device", "cpu", "--threads", "1"};
        Run first = cli(args);
        Run second = cli(args);
        assertThat(first.status()).as(first.err()).isZero();
        assertThat(second.out()).isEqualTo(first.out());
    }

    @Test
    void benchPrintsARowPerBatchAndTheSameAsJson() {
        // Random weights of the demo model's shapes, with its tokenizer taken from beside its config.json.
        Path config = DemoModel.ensure(dataDir).resolve("config.json");
        Run run = cli("bench", "--dummy", config.toString(), "--batch", "1,3", "--prompt-len", "8", "--gen-len", "4",
                "--device", "cpu", "--threads", "1");
        assertThat(run.status()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines[0]).contains("batch", "decode tok/s", "prefill tok/s", "TTFT p50", "ITL p99");
        assertThat(lines[1].strip()).startsWith("1 ");
        assertThat(lines[2].strip()).startsWith("3 ");
        JsonNode json = JsonMapper.builder().build().readTree(lines[3]);
        assertThat(json.path("dummyWeights").asBoolean()).isTrue();
        assertThat(json.path("results")).hasSize(2);
        JsonNode batchOfThree = json.path("results").get(1);
        assertThat(batchOfThree.path("batch").asInt()).isEqualTo(3);
        assertThat(batchOfThree.path("generatedTokens").asLong()).isEqualTo(12);
        assertThat(batchOfThree.path("decodeTokensPerSecond").asDouble()).isPositive();
        assertThat(batchOfThree.path("ttftP90Ms").asDouble()).isPositive();
    }

    @Test
    void benchServesContinuousBatchingAndTimesPrefill() {
        Path config = DemoModel.ensure(dataDir).resolve("config.json");
        Run run = cli("bench", "--dummy", config.toString(), "--requests", "5", "--output-len", "2..6,3",
                "--prompt-len", "8", "--prefill-len", "16", "--device", "cpu", "--threads", "1");
        assertThat(run.status()).as(run.err()).isZero();
        String[] lines = run.out().strip().split("\n");
        assertThat(lines[0]).startsWith("prefill 16 tokens: ").contains("tok/s", "TFLOP/s");
        assertThat(lines[1]).contains("requests", "output tok/s", "TTFT p99", "ITL p99");
        assertThat(lines[2].strip()).startsWith("5 ").contains(" 2..6 ");
        assertThat(lines[3].strip()).startsWith("5 ").contains(" 3 ");
        JsonNode json = JsonMapper.builder().build().readTree(lines[4]);
        assertThat(json.path("results")).isEmpty();
        assertThat(json.path("prefill").path("promptLength").asInt()).isEqualTo(16);
        assertThat(json.path("prefill").path("teraflopsPerSecond").asDouble()).isPositive();
        JsonNode uniform = json.path("serving").get(0);
        assertThat(uniform.path("requests").asInt()).isEqualTo(5);
        assertThat(uniform.path("outputLengths").asString()).isEqualTo("2..6");
        assertThat(uniform.path("outputTokens").asLong()).isBetween(10L, 30L);
        JsonNode fixed = json.path("serving").get(1);
        assertThat(fixed.path("outputTokens").asLong()).isEqualTo(15);
        assertThat(fixed.path("outputTokensPerSecond").asDouble()).isPositive();
        assertThat(fixed.path("itlP99Ms").asDouble()).isGreaterThanOrEqualTo(fixed.path("itlP50Ms").asDouble());
    }

    @Test
    void benchRejectsMalformedOutputLengths() {
        Run run = cli("bench", "--dummy", "config.json", "--requests", "4", "--output-len", "9..3");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("an output length is N or MIN..MAX with 1 <= MIN <= MAX, got '9..3'");
    }

    @Test
    void checkLogitsAgreesWithTransformersOnTheGoldenCheckpoint() throws Exception {
        Path model = Path.of(EngineCliTests.class.getResource("/golden/models/qwen3_moe").toURI());
        JsonNode expected = JsonMapper.builder().build().readTree(model.resolve("expected.json").toFile());
        Path reference = goldenReference(expected, dataDir.resolve("ref"), false);
        Run run = cli("check-logits", "--model", model.toString(), "--reference", reference.toString(), "--device",
                "cpu");
        assertThat(run.status()).as(run.err()).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(run.out().strip());
        assertThat(json.path("backend").asString()).isEqualTo("cpu");
        assertThat(json.path("positions").asInt()).isEqualTo(expected.path("greedy_ids").size());
        assertThat(json.path("top1Agreement").asDouble()).isEqualTo(1.0);
        assertThat(json.path("maxRelativeError").asDouble()).isLessThan(1e-4);
        assertThat(json.path("decisiveTop1Agreement").asDouble()).isEqualTo(1.0);
        assertThat(json.path("decisivePositions").asInt()).isBetween(1, json.path("positions").asInt());

        Path shifted = goldenReference(expected, dataDir.resolve("shifted"), true);
        Run failed = cli("check-logits", "--model", model.toString(), "--reference", shifted.toString(), "--device",
                "cpu");
        assertThat(failed.status()).isEqualTo(1);
        assertThat(failed.err()).contains("check-logits: top-1 agreement", "is below --min-agreement 0.9900")
                .doesNotContain("\tat io.moeplatform");
    }

    /**
     * A check-logits reference from a golden file: tokens = prompt + greedy continuation, logits at every position;
     * {@code rotated} moves every logit one id up, so no argmax agrees.
     */
    private static Path goldenReference(JsonNode expected, Path dir, boolean rotated) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        java.util.List<Integer> tokens = new java.util.ArrayList<>();
        expected.path("prompt_ids").forEach(t -> tokens.add(t.asInt()));
        expected.path("greedy_ids").forEach(t -> tokens.add(t.asInt()));
        JsonNode logits = expected.path("logits");
        int vocab = logits.get(0).size();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(tokens.size() * vocab * 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int p = 0; p < tokens.size(); p++) {
            for (int v = 0; v < vocab; v++) {
                buffer.putFloat((float) logits.get(p).get(rotated ? (v + vocab - 1) % vocab : v).asDouble());
            }
        }
        java.nio.file.Files.write(dir.resolve("logits.f32"), buffer.array());
        java.nio.file.Files.writeString(dir.resolve("reference.json"), JsonMapper.builder().build()
                .writeValueAsString(java.util.Map.of("tokens", tokens, "prefill",
                        expected.path("prompt_ids").size(), "vocab", vocab)));
        return dir;
    }

    @Test
    void benchOnCheckpointWeightsRuns() {
        Run run = cli("bench", "--model", DemoModel.ensure(dataDir).toString(), "--batch", "2", "--prompt-len", "4",
                "--gen-len", "3", "--device", "cpu", "--threads", "1");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"dummyWeights\":false", "\"generatedTokens\":6");
    }

    @Test
    void dummyBenchWithoutATokenizerSaysWhereToFindOne() throws URISyntaxException {
        Path config = Path.of(EngineCliTests.class.getResource("/golden/models/qwen3_moe/config.json").toURI());
        Run run = cli("bench", "--dummy", config.toString());
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("has no tokenizer.json; pass --tokenizer DIR");
    }

    @Test
    void dummyBenchRunsOnTokenIdsWithTokenizerNone() throws URISyntaxException {
        Path config = Path.of(EngineCliTests.class.getResource("/golden/models/qwen3_moe/config.json").toURI());
        Run run = cli("bench", "--dummy", config.toString(), "--tokenizer", "none", "--batch", "2", "--prompt-len", "4",
                "--gen-len", "3", "--device", "cpu", "--threads", "1");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("\"dummyWeights\":true", "\"generatedTokens\":6", "\"decodeRoofline\":[{");
    }

    @Test
    void unknownOptionsAreRejectedWithTheKnownOnes() {
        Run run = cli("bench", "--modle", "x");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("unknown option --modle", "--model", "--dummy");
    }

    @Test
    void benchNeedsExactlyOneModelSource() {
        Run run = cli("bench", "--batch", "1");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("give exactly one of --model DIR", "--dummy CONFIG_JSON");
    }

    @Test
    void badBatchListSaysHowToWriteIt() {
        Run run = cli("bench", "--dummy", "config.json", "--batch", "1,x");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("--batch must be positive whole numbers separated by commas (e.g. 1,8,32)");
    }

    @Test
    void generateNeedsAModelDirectory() {
        Run run = cli("generate", "--model", dataDir.resolve("missing").toString());
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("is not a directory");
    }

    @Test
    void unknownCommandPrintsUsage() {
        Run run = cli("serve");
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("unknown command 'serve'", "usage:", "generate --model DIR");
    }
}
