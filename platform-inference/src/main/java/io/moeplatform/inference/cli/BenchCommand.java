package io.moeplatform.inference.cli;

import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.LocalInferenceEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bench --model DIR | --dummy CONFIG_JSON [--tokenizer DIR] [--batch 1,8,...] [--prompt-len N] [--gen-len N]
 * [--device auto|cpu|cuda] [--threads N] [--kv-cache-mb N] [--max-batch-tokens N] [--lora DIR[,DIR...]]}.
 *
 * <p>
 * For each batch size B it submits B requests at once to the engine, each a distinct random prompt of
 * {@code prompt-len} tokens (prefix caching off, so nothing is shared) generating exactly {@code gen-len} greedy
 * tokens (end-of-sequence ignored), and prints one table row per batch and then the whole run as JSON (see
 * {@link BenchResult} for what each column measures). One short request warms the engine up first. With
 * {@code --dummy} the engine builds random weights of the given {@code config.json} in place, for full-size shapes
 * without checkpoint files; the engine still streams text, so the tokenizer files ({@code tokenizer.json},
 * {@code tokenizer_config.json}) come from {@code --tokenizer DIR}, by default the config's own directory. With
 * {@code --lora} the PEFT adapter directories are registered and request r of a batch uses adapter
 * {@code r mod count}, so batches mix adapters.
 */
final class BenchCommand {

    static final String NAME = "bench";
    private static final Set<String> VALUED = Set.of("model", "dummy", "tokenizer", "batch", "prompt-len", "gen-len",
            "device",
            "threads", "kv-cache-mb", "max-batch-tokens", "lora");
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "chat_template.jinja", "generation_config.json", "special_tokens_map.json");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private BenchCommand() {}

    static void run(List<String> args, PrintStream out, PrintStream err) throws InterruptedException {
        CliOptions options = CliOptions.parse(NAME, args, VALUED, Set.of());
        String model = options.value("model");
        String dummy = options.value("dummy");
        if ((model == null) == (dummy == null)) {
            throw new CliUsageException(NAME + ": give exactly one of --model DIR (a model directory) or --dummy "
                    + "CONFIG_JSON (a config.json to build random weights for)");
        }
        List<Integer> batches = options.intList("batch", List.of(1, 8));
        int promptLength = options.intValue("prompt-len", 128);
        int generationLength = options.intValue("gen-len", 64);
        if (promptLength < 1 || generationLength < 1) {
            throw new CliUsageException(NAME + ": --prompt-len and --gen-len must be at least 1");
        }
        int maxBatch = Collections.max(batches);
        Path dir = dummy != null
                ? dummyModelDirectory(Path.of(dummy), options.value("tokenizer"))
                : Path.of(model).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new CliUsageException(NAME + ": " + dir + " has no config.json; --model takes a Hugging Face model "
                    + "directory");
        }
        String name = dummy != null ? "dummy" : String.valueOf(dir.getFileName());
        EngineOptions engineOptions = new EngineOptions(dir, name, EngineCli.device(options, Device.AUTO),
                options.intValue("threads", 0), 16, options.intValue("kv-cache-mb", 0) * 1024L * 1024L,
                options.intValue("max-batch-tokens", Math.max(2048, maxBatch)), maxBatch, maxBatch + 1,
                Duration.ofMinutes(30), false, dummy != null);
        try (LocalInferenceEngine engine = LocalInferenceEngine.start(engineOptions)) {
            String backend = engine.status().backend();
            List<String> adapters = new ArrayList<>();
            String lora = options.value("lora");
            for (String adapterDir : lora == null ? new String[0] : lora.split(",")) {
                String id = "lora-" + adapters.size();
                engine.registerLoraAdapter(name, id, Path.of(adapterDir.strip()));
                adapters.add(id);
            }
            // Prompt ids come from the tokenizer's range: the embedding may have padded rows no token maps to.
            int vocabulary = engine.codec(name).vocabularySize();
            err.printf("bench %s on %s: prompt %d tokens, %d generated per request, batches %s, LoRA adapters %d%n",
                    name, backend, promptLength, generationLength, batches, adapters.size());
            SplittableRandom random = new SplittableRandom(1234);
            for (int warm = 0; warm < Math.max(1, adapters.size()); warm++) {
                runBatch(engine, name, 1, Math.min(promptLength, 16), Math.min(generationLength, 4), vocabulary,
                        random, adapters.isEmpty() ? List.of() : List.of(adapters.get(warm)));
            }
            List<BenchResult> results = new ArrayList<>();
            out.println(header());
            for (int batch : batches) {
                BenchResult result = runBatch(engine, name, batch, promptLength, generationLength, vocabulary, random,
                        adapters);
                results.add(result);
                out.println(row(result));
                out.flush();
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", name);
            report.put("modelPath", dir.toString());
            report.put("dummyWeights", dummy != null);
            report.put("backend", backend);
            report.put("promptLength", promptLength);
            report.put("generationLength", generationLength);
            report.put("loraAdapters", adapters.size());
            report.put("results", results);
            out.println(JSON.writeValueAsString(report));
        }
    }

    private static BenchResult runBatch(LocalInferenceEngine engine, String model, int batch, int promptLength,
            int generationLength, int vocabulary, SplittableRandom random, List<String> adapters)
            throws InterruptedException {
        SamplingParams greedy = SamplingParams.greedy(generationLength);
        StopConditions untilLength = new StopConditions(List.of(), Set.of(), true);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int r = 0; r < batch; r++) {
            int[] prompt = random.ints(promptLength, 0, vocabulary).toArray();
            requests.add(new GenerationRequest("bench-" + batch + "-" + r, model, "bench", SchedulingClass.DEFAULT,
                    prompt, greedy, untilLength, 1, adapters.isEmpty() ? null : adapters.get(r % adapters.size()),
                    "bench"));
        }
        List<TokenTimeline> timelines = new ArrayList<>();
        long start = System.nanoTime();
        for (GenerationRequest request : requests) {
            TokenTimeline timeline = new TokenTimeline(System.nanoTime(), token -> {});
            engine.submit(request).events().subscribe(timeline);
            timelines.add(timeline);
        }
        long[][] tokenNanos = new long[batch][];
        for (int r = 0; r < batch; r++) {
            timelines.get(r).await(30, TimeUnit.MINUTES);
            tokenNanos[r] = timelines.get(r).tokenNanos();
        }
        return BenchResult.of(batch, start, tokenNanos, promptLength);
    }

    static String header() {
        return String.format("%6s %14s %15s %10s %10s %9s %9s %9s", "batch", "decode tok/s", "prefill tok/s",
                "TTFT p50", "TTFT p90", "ITL p50", "ITL p90", "ITL p99");
    }

    static String row(BenchResult r) {
        return String.format("%6d %14.1f %15.1f %8.1fms %8.1fms %7.2fms %7.2fms %7.2fms", r.batch(),
                r.decodeTokensPerSecond(), r.prefillTokensPerSecond(), r.ttftP50Ms(), r.ttftP90Ms(), r.itlP50Ms(),
                r.itlP90Ms(), r.itlP99Ms());
    }

    /** A temporary model directory holding the given config.json and the tokenizer files (no weights). */
    private static Path dummyModelDirectory(Path config, @Nullable String tokenizerDir) {
        if (!Files.isRegularFile(config)) {
            throw new CliUsageException(NAME + ": --dummy " + config + " is not a file; pass a model's config.json");
        }
        Path tokenizer = tokenizerDir != null ? Path.of(tokenizerDir) : config.toAbsolutePath().getParent();
        if (!Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new CliUsageException(NAME + ": " + tokenizer + " has no tokenizer.json; pass --tokenizer DIR with"
                    + " the model's tokenizer.json and tokenizer_config.json");
        }
        try {
            Path dir = Files.createTempDirectory("moe-bench-dummy");
            List<Path> copies = new ArrayList<>();
            copies.add(Files.copy(config, dir.resolve("config.json")));
            for (String file : TOKENIZER_FILES) {
                if (Files.isRegularFile(tokenizer.resolve(file))) {
                    copies.add(Files.copy(tokenizer.resolve(file), dir.resolve(file)));
                }
            }
            // Delete the files before their directory (deleteOnExit runs in reverse order of registration).
            dir.toFile().deleteOnExit();
            copies.forEach(copy -> copy.toFile().deleteOnExit());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare a directory for " + config, e);
        }
    }
}
