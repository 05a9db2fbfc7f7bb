package io.moeplatform.inference.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.LocalInferenceEngine;
import io.moeplatform.inference.model.ModelConfig;
import io.moeplatform.inference.model.ModelFootprint;
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
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code bench --model DIR | --dummy CONFIG_JSON [--tokenizer DIR] [--batch 1,8,...] [--prompt-len N] [--gen-len N]
 * [--prefill-len N] [--requests 128,512 [--output-len 64..512,64]] [--device auto|cpu|cuda] [--threads N]
 * [--kv-cache-mb N] [--max-batch-tokens N] [--max-running N] [--gpu-memory-fraction F] [--bandwidth B/s]
 * [--peak-flops F/s] [--lora DIR[,DIR...]] [--warmup-tokens N]}.
 *
 * <p>
 * For each batch size B it submits B requests at once to the engine, each a distinct random prompt of
 * {@code prompt-len} tokens (prefix caching off, so nothing is shared) generating exactly {@code gen-len} greedy
 * tokens (end-of-sequence ignored), and prints one table row per batch and then the whole run as JSON (see
 * {@link BenchResult} for what each column measures). One request of {@code --warmup-tokens} generated tokens (default
 * 4) warms the engine up first; the GPU benchmark asks for 256, so that the host code between decode steps is
 * JIT-compiled before anything is timed, as in a server that has been running for a while. With
 * {@code --dummy} the engine builds random weights of the given {@code config.json} in place, for full-size shapes
 * without checkpoint files; the engine still streams text, so the tokenizer files ({@code tokenizer.json},
 * {@code tokenizer_config.json}) come from {@code --tokenizer DIR}, by default the config's own directory;
 * {@code --tokenizer none} runs without tokenizer files (text is token ids, see
 * {@link LocalInferenceEngine#startWithTokenIds}), which is how the GPU benchmark runs the full-size shapes.
 *
 * <p>
 * Next to each batch's decode rate it prints the memory roofline ({@link ModelFootprint#decodeStepBytes} at the
 * bandwidth given, with the experts a batch is expected to touch under uniform routing). {@code --prefill-len N}
 * times prompts of N tokens alone (time to first token, median of 3) and reports tokens/s and TFLOP/s against
 * {@code --peak-flops}. {@code --requests} runs continuous batching through the engine: all requests submitted at
 * once, prompts of {@code prompt-len} tokens, output lengths per {@code --output-len} (N, or MIN..MAX uniform),
 * end-of-sequence ignored; output tokens/s, TTFT and ITL percentiles ({@link ServingResult}). The last line is the
 * whole run as one JSON object.
 * With {@code --lora} the PEFT adapter directories are registered and request r of a batch uses adapter
 * {@code r mod count}, so batches mix adapters.
 */
final class BenchCommand {

    static final String NAME = "bench";
    /**
     * What one token costs in the KV cache (bf16, all layers), what the same model would cost with a full K/V cache
     * (for MLA: every head's K of {@code qk_nope + qk_rope} and V of {@code v_head_dim}), and how many tokens and
     * 4k-token sequences the pool that the backend sized holds.
     */
    private static Map<String, Object> kvCacheReport(ModelConfig config, ModelFootprint footprint,
            EngineStatus status) {
        Map<String, Object> kv = new LinkedHashMap<>();
        long perToken = footprint.kvBytesPerToken();
        var deepSeek = config.deepSeek();
        long fullKv = deepSeek == null
                ? perToken
                : 2L * config.layers() * deepSeek.attention().heads()
                        * (deepSeek.attention().qkHeadDim() + deepSeek.attention().vDim());
        kv.put("bytesPerToken", perToken);
        kv.put("bytesPerTokenWithFullKv", fullKv);
        kv.put("ratio", (double) perToken / fullKv);
        if (status.gpuMemory() != null) {
            long tokens = status.gpuMemory().kvCacheBytes() / perToken;
            kv.put("poolBytes", status.gpuMemory().kvCacheBytes());
            kv.put("tokens", tokens);
            kv.put("sequencesOf4096Tokens", tokens / 4096);
        }
        return kv;
    }

    private static final Set<String> VALUED = Set.of("model", "dummy", "tokenizer", "batch", "prompt-len", "gen-len",
            "device", "threads", "kv-cache-mb", "max-batch-tokens", "prefill-len", "requests", "output-len",
            "max-running", "gpu-memory-fraction", "bandwidth", "peak-flops", "lora", "warmup-tokens");
    private static final int PREFILL_REPEATS = 3;
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
        boolean otherWork = options.value("requests") != null || options.value("prefill-len") != null;
        List<Integer> batches = options.intList("batch", otherWork ? List.of() : List.of(1, 8));
        List<Integer> requestCounts = options.intList("requests", List.of());
        List<OutputLengths> outputLengths = new ArrayList<>();
        for (String spec : options.value("output-len", "64..512").split(",")) {
            outputLengths.add(OutputLengths.parse(NAME, spec));
        }
        int promptLength = options.intValue("prompt-len", 128);
        int generationLength = options.intValue("gen-len", 64);
        int prefillLength = options.intValue("prefill-len", 0);
        int warmupTokens = options.intValue("warmup-tokens", 4);
        if (promptLength < 1 || generationLength < 1 || prefillLength < 0 || warmupTokens < 1) {
            throw new CliUsageException(NAME + ": --prompt-len, --gen-len and --warmup-tokens must be at least 1, "
                    + "--prefill-len at least 0");
        }
        double bandwidth = options.doubleValue("bandwidth", 3.0e12);
        double peakFlops = options.doubleValue("peak-flops", 8.0e14);
        int widest = Math.max(batches.isEmpty() ? 1 : Collections.max(batches),
                requestCounts.isEmpty() ? 1 : Collections.max(requestCounts));
        int maxRunning = options.intValue("max-running", Math.min(widest, 256));
        int maxRequests = Math.max(widest, 1);
        Path dir = dummy != null
                ? dummyModelDirectory(Path.of(dummy), options.value("tokenizer"))
                : Path.of(model).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new CliUsageException(NAME + ": " + dir + " has no config.json; --model takes a Hugging Face model "
                    + "directory");
        }
        ModelFootprint footprint = ModelFootprint.of(ModelConfig.read(dir));
        String name = dummy != null ? "dummy" : String.valueOf(dir.getFileName());
        EngineOptions engineOptions = new EngineOptions(dir, name, EngineCli.device(options, Device.AUTO),
                options.intValue("threads", 0), 16, options.intValue("kv-cache-mb", 0) * 1024L * 1024L,
                options.intValue("max-batch-tokens", Math.max(Math.max(2048, maxRunning), prefillLength)),
                maxRunning, maxRequests + 1, Duration.ofMinutes(30), false, dummy != null,
                options.doubleValue("gpu-memory-fraction", EngineOptions.DEFAULT_GPU_MEMORY_FRACTION));
        boolean tokenIds = dummy != null && "none".equals(options.value("tokenizer"));
        long loadStart = System.nanoTime();
        try (LocalInferenceEngine engine = tokenIds
                ? LocalInferenceEngine.startWithTokenIds(engineOptions, new SimpleMeterRegistry())
                : LocalInferenceEngine.start(engineOptions)) {
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            EngineStatus status = engine.status();
            String backend = status.backend();
            long weightBytes = status.gpuMemory() != null ? status.gpuMemory().weightBytes() : -1;
            // Prompt ids come from the tokenizer's range: the embedding may have padded rows no token maps to.
            int vocabulary = engine.codec(name).vocabularySize();
            err.printf(Locale.ROOT, "bench %s on %s%s: loaded in %.1f s%s; prompt %d tokens%n", name, backend,
                    status.backendNote().isEmpty() ? "" : " (" + status.backendNote() + ")", loadSeconds,
                    weightBytes > 0
                            ? String.format(Locale.ROOT, " (%.2f GB of weights, %.2f GB/s)", weightBytes / 1e9,
                                    weightBytes / 1e9 / loadSeconds)
                            : "",
                    promptLength);
            List<String> adapters = new ArrayList<>();
            String lora = options.value("lora");
            for (String adapterDir : lora == null ? new String[0] : lora.split(",")) {
                String id = "lora-" + adapters.size();
                engine.registerLoraAdapter(name, id, Path.of(adapterDir.strip()));
                adapters.add(id);
            }
            SplittableRandom random = new SplittableRandom(1234);
            for (int warm = 0; warm < Math.max(1, adapters.size()); warm++) {
                runBatch(engine, name, 1, Math.min(promptLength, 16), warmupTokens, vocabulary,
                        random, adapters.isEmpty() ? List.of() : List.of(adapters.get(warm)));
            }
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("model", name);
            report.put("modelPath", dir.toString());
            report.put("dummyWeights", dummy != null);
            report.put("backend", backend);
            report.put("backendNote", status.backendNote());
            report.put("gpuMemory", status.gpuMemory());
            report.put("load", Map.of("seconds", loadSeconds, "weightBytes", weightBytes, "gigabytesPerSecond",
                    weightBytes > 0 ? weightBytes / 1e9 / loadSeconds : 0));
            report.put("kvCache", kvCacheReport(ModelConfig.read(dir), footprint, status));
            report.put("promptLength", promptLength);
            report.put("generationLength", generationLength);
            report.put("loraAdapters", adapters.size());
            report.put("bandwidth", bandwidth);
            report.put("peakFlops", peakFlops);

            List<BenchResult> results = new ArrayList<>();
            List<Map<String, Object>> rooflines = new ArrayList<>();
            if (!batches.isEmpty()) {
                out.println(header() + String.format("%16s %8s", "roofline tok/s", "of roof"));
            }
            for (int batch : batches) {
                BenchResult result = runBatch(engine, name, batch, promptLength, generationLength, vocabulary, random,
                        adapters);
                results.add(result);
                double experts = footprint.expectedExpertsPerLayer(batch);
                double stepBytes = footprint.decodeStepBytes(batch, experts, promptLength + generationLength / 2.0);
                double roofline = batch * bandwidth / stepBytes;
                rooflines.add(Map.of("batch", batch, "expectedExpertsPerLayer", experts, "stepBytes", stepBytes,
                        "rooflineTokensPerSecond", roofline, "percentOfRoofline",
                        100 * result.decodeTokensPerSecond() / roofline));
                out.println(row(result) + String.format(Locale.ROOT, "%16.0f %7.1f%%", roofline,
                        100 * result.decodeTokensPerSecond() / roofline));
                out.flush();
            }
            report.put("results", results);
            report.put("decodeRoofline", rooflines);

            if (prefillLength > 0) {
                report.put("prefill", prefill(engine, name, prefillLength, vocabulary, random, footprint, peakFlops,
                        out));
            }
            List<ServingResult> serving = new ArrayList<>();
            if (!requestCounts.isEmpty()) {
                out.println(servingHeader());
            }
            for (int requests : requestCounts) {
                for (OutputLengths lengths : outputLengths) {
                    ServingResult result = serve(engine, name, requests, promptLength, lengths, vocabulary, random);
                    serving.add(result);
                    out.println(servingRow(result));
                    out.flush();
                }
            }
            report.put("serving", serving);
            out.println(JSON.writeValueAsString(report));
        }
    }

    /** Prompts of {@code length} tokens, one at a time: the median time to first token is the prefill time. */
    private static Map<String, Object> prefill(LocalInferenceEngine engine, String model, int length, int vocabulary,
            SplittableRandom random, ModelFootprint footprint, double peakFlops, PrintStream out)
            throws InterruptedException {
        double[] seconds = new double[PREFILL_REPEATS];
        for (int i = 0; i < PREFILL_REPEATS; i++) {
            BenchResult one = runBatch(engine, model, 1, length, 1, vocabulary, random, List.of());
            seconds[i] = one.ttftP50Ms() / 1e3;
        }
        double median = BenchResult.percentile(seconds, 50);
        double flops = footprint.prefillFlops(length);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("promptLength", length);
        result.put("seconds", median);
        result.put("tokensPerSecond", length / median);
        result.put("teraflopsPerSecond", flops / median / 1e12);
        result.put("percentOfPeak", 100 * flops / median / peakFlops);
        out.printf(Locale.ROOT, "prefill %d tokens: %.1f ms (median of %d), %.0f tok/s, %.1f TFLOP/s (%.1f%% of "
                + "%.0f TFLOP/s)%n", length, median * 1e3, PREFILL_REPEATS, length / median, flops / median / 1e12,
                100 * flops / median / peakFlops, peakFlops / 1e12);
        return result;
    }

    /** Continuous batching: every request submitted at once, each with its own output length. */
    private static ServingResult serve(LocalInferenceEngine engine, String model, int requests, int promptLength,
            OutputLengths lengths, int vocabulary, SplittableRandom random) throws InterruptedException {
        StopConditions untilLength = new StopConditions(List.of(), Set.of(), true);
        List<GenerationRequest> batch = new ArrayList<>();
        for (int r = 0; r < requests; r++) {
            int[] prompt = random.ints(promptLength, 0, vocabulary).toArray();
            batch.add(new GenerationRequest("serve-" + requests + "-" + lengths + "-" + r, model, "bench",
                    SchedulingClass.DEFAULT, prompt, SamplingParams.greedy(lengths.draw(random)), untilLength, 1,
                    null, "bench"));
        }
        Timed timed = submitAndWait(engine, batch);
        return ServingResult.of(promptLength, lengths.toString(), timed.startNanos(), timed.tokenNanos());
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
        Timed timed = submitAndWait(engine, requests);
        return BenchResult.of(batch, timed.startNanos(), timed.tokenNanos(), promptLength);
    }

    /** When the first request was submitted, and per request the arrival time of each token. */
    private record Timed(long startNanos, long[][] tokenNanos) {}

    /** Submits every request at once and waits for all of them. */
    private static Timed submitAndWait(LocalInferenceEngine engine, List<GenerationRequest> requests)
            throws InterruptedException {
        List<TokenTimeline> timelines = new ArrayList<>();
        long start = System.nanoTime();
        for (GenerationRequest request : requests) {
            TokenTimeline timeline = new TokenTimeline(System.nanoTime(), token -> {});
            engine.submit(request).events().subscribe(timeline);
            timelines.add(timeline);
        }
        long[][] tokenNanos = new long[requests.size()][];
        for (int r = 0; r < requests.size(); r++) {
            timelines.get(r).await(30, TimeUnit.MINUTES);
            tokenNanos[r] = timelines.get(r).tokenNanos();
        }
        return new Timed(start, tokenNanos);
    }

    static String header() {
        return String.format("%6s %14s %15s %10s %10s %9s %9s %9s", "batch", "decode tok/s", "prefill tok/s",
                "TTFT p50", "TTFT p90", "ITL p50", "ITL p90", "ITL p99");
    }

    static String servingHeader() {
        return String.format("%9s %8s %9s %13s %10s %10s %10s %9s %9s %9s", "requests", "prompt", "output",
                "output tok/s", "TTFT p50", "TTFT p90", "TTFT p99", "ITL p50", "ITL p90", "ITL p99");
    }

    static String servingRow(ServingResult r) {
        return String.format(Locale.ROOT, "%9d %8d %9s %13.1f %8.0fms %8.0fms %8.0fms %7.2fms %7.2fms %7.2fms",
                r.requests(), r.promptLength(), r.outputLengths(), r.outputTokensPerSecond(), r.ttftP50Ms(),
                r.ttftP90Ms(), r.ttftP99Ms(), r.itlP50Ms(), r.itlP90Ms(), r.itlP99Ms());
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
        @Nullable
        Path tokenizer = "none".equals(tokenizerDir)
                ? null
                : tokenizerDir != null ? Path.of(tokenizerDir) : config.toAbsolutePath().getParent();
        if (tokenizer != null && !Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
            throw new CliUsageException(NAME + ": " + tokenizer + " has no tokenizer.json; pass --tokenizer DIR with"
                    + " the model's tokenizer.json and tokenizer_config.json, or --tokenizer none for token ids");
        }
        try {
            Path dir = Files.createTempDirectory("moe-bench-dummy");
            List<Path> copies = new ArrayList<>();
            copies.add(Files.copy(config, dir.resolve("config.json")));
            for (String file : tokenizer == null ? List.<String>of() : TOKENIZER_FILES) {
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
