package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.ModelConfig;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Decode throughput of the CUDA backend at full model scale with dummy weights, next to the memory roofline.
 *
 * <pre>
 * CudaBenchmark CONFIG.json [CONFIG.json ...]
 *   -Dbench.batches=1,8,32,64,128,256  -Dbench.prompt=128  -Dbench.steps=8  -Dbench.bandwidth=3.0e12
 *   -Dbench.greedy=true
 * </pre>
 *
 * Per batch size B: prefill B random prompts (chunks of at most maxBatchTokens), two warm-up decode steps, then
 * {@code steps} timed decode steps of B tokens. With {@code bench.greedy} (the default) every decode row is marked
 * greedy-only, so the executor picks the token on the device and returns ids, as the scheduler does for greedy
 * requests; {@code -Dbench.greedy=false} copies every sequence's fp32 logits to the host instead. Roofline per step: bytes of weights the step reads (every non-expert matrix, the lm_head,
 * and the routed experts the step actually touched, counted from the router's choices) plus the KV cache bytes the
 * attention reads, divided by the bandwidth (3.0 TB/s on an H100).
 */
public final class CudaBenchmark {

    private static final int MAX_BATCH_TOKENS = 8192;
    private static final boolean GREEDY = Boolean.parseBoolean(System.getProperty("bench.greedy", "true"));

    private CudaBenchmark() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: CudaBenchmark CONFIG.json [CONFIG.json ...]");
            System.exit(2);
        }
        int[] batches = ints(System.getProperty("bench.batches", "1,8,32,64,128,256"));
        int prompt = Integer.getInteger("bench.prompt", 128);
        int steps = Integer.getInteger("bench.steps", 8);
        double bandwidth = Double.parseDouble(System.getProperty("bench.bandwidth", "3.0e12"));
        for (String config : args) {
            run(Path.of(config), batches, prompt, steps, bandwidth);
        }
    }

    private static void run(Path configFile, int[] batches, int prompt, int steps, double bandwidth)
            throws IOException {
        Path dir = Files.createTempDirectory("moe-bench");
        Files.copy(configFile, dir.resolve(ModelConfig.FILE));
        ModelConfig c = ModelConfig.read(dir);
        int maxBatch = 0;
        for (int b : batches) {
            maxBatch = Math.max(maxBatch, b);
        }
        int blockSize = 16;
        int blocksPerSequence = (prompt + steps + 2 + blockSize - 1) / blockSize;
        CudaExecutorOptions options = new CudaExecutorOptions(0, blockSize, 0, maxBatch * blocksPerSequence,
                MAX_BATCH_TOKENS, maxBatch, true);
        System.out.printf(Locale.ROOT, "== %s (%s): %d layers, hidden %d, %d experts top-%d, vocab %d%n",
                configFile.getFileName(), c.architecture().modelType(), c.layers(), c.hiddenSize(), c.experts(),
                c.expertsPerToken(), c.vocabularySize());
        try (CudaModelExecutor executor = CudaModelExecutor.open(dir, options)) {
            CudaModelExecutor.LoadReport load = executor.loadReport();
            System.out.printf(Locale.ROOT, "device %s; load %.1f GB of bf16 weights in %.1f s (%.2f GB/s overall, "
                    + "uploader busy %.1f s; dummy weights generated on the device)%n", executor.device().name(),
                    load.weightBytes() / 1e9, load.seconds(), load.gigabytesPerSecond(), load.uploadSeconds());
            long expertBytes = 3L * c.hiddenSize() * c.expertIntermediateSize() * 2;
            long fixedBytes = nonExpertBytes(c);
            long kvBytesPerToken = 2L * c.layers() * c.kvHeads() * c.headDim() * 2;
            System.out.printf(Locale.ROOT, "non-expert weights read per step %.2f GB, one expert %.1f MB, "
                    + "KV %.1f KB/token; roofline bandwidth %.2f TB/s%n", fixedBytes / 1e9, expertBytes / 1e6,
                    kvBytesPerToken / 1e3, bandwidth / 1e12);
            System.out.println("batch  prefill_tok/s  decode_ms/step  decode_tok/s  experts/layer  roofline_ms  "
                    + "roofline_tok/s  of_roofline");
            SplittableRandom random = new SplittableRandom(42);
            for (int batch : batches) {
                List<int[]> tables = new ArrayList<>();
                for (int s = 0; s < batch; s++) {
                    int[] t = new int[blocksPerSequence];
                    for (int i = 0; i < t.length; i++) {
                        t[i] = s * blocksPerSequence + i;
                    }
                    tables.add(t);
                }
                // prefill: as many whole prompts per step as fit
                long prefillStart = System.nanoTime();
                int perStep = Math.max(1, MAX_BATCH_TOKENS / prompt);
                int[] last = new int[batch];
                for (int from = 0; from < batch; from += perStep) {
                    List<SequenceSlice> slices = new ArrayList<>();
                    for (int s = from; s < Math.min(batch, from + perStep); s++) {
                        int[] ids = random.ints(prompt, 0, c.vocabularySize()).toArray();
                        slices.add(new SequenceSlice(s, ids, 0, tables.get(s), true, null));
                    }
                    // greedy rows as in decode (and in the engine): a prefill step of 64 prompts would otherwise
                    // copy 64 vocabularies of fp32 logits to the host (qwen3: 39 MB per step, inside the profile's
                    // host time between steps)
                    BitSet greedy = new BitSet();
                    if (GREEDY) {
                        greedy.set(0, slices.size());
                    }
                    StepResult result = executor.forward(new StepBatch(slices, greedy, c.vocabularySize()));
                    for (int i = 0; i < result.rows(); i++) {
                        last[from + i] = result.hasTokenId(i) ? result.tokenIds()[i] : argmax(result.logits()[i]);
                    }
                }
                double prefillSeconds = (System.nanoTime() - prefillStart) / 1e9;
                int position = prompt;
                for (int w = 0; w < 2; w++, position++) {
                    decode(executor, tables, last, position, c.vocabularySize());
                    if (w == 0) {
                        // the profiler collects a step's events when the next one begins: these are the prefill's
                        String prefillProfile = executor.takeProfile();
                        if (!prefillProfile.isEmpty()) {
                            System.out.print("prefill of " + batch + " x " + prompt + " tokens:\n" + prefillProfile);
                        }
                    }
                }
                executor.takeExpertsTouched();
                executor.takeProfile();
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++, position++) {
                    decode(executor, tables, last, position, c.vocabularySize());
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double expertsPerLayer = (double) executor.takeExpertsTouched() / steps / sparseLayers(c);
                double msPerStep = seconds * 1e3 / steps;
                double averageContext = prompt + 2 + steps / 2.0;
                double bytes = fixedBytes + expertsPerLayer * sparseLayers(c) * expertBytes
                        + batch * averageContext * kvBytesPerToken;
                double rooflineMs = bytes / bandwidth * 1e3;
                System.out.printf(Locale.ROOT, "%5d  %13.0f  %14.2f  %12.1f  %13.1f  %11.2f  %14.0f  %10.0f%%%n",
                        batch, batch * prompt / prefillSeconds, msPerStep, batch / (msPerStep / 1e3),
                        expertsPerLayer, rooflineMs, batch / (rooflineMs / 1e3), 100 * rooflineMs / msPerStep);
                String profile = executor.takeProfile();
                if (!profile.isEmpty()) {
                    System.out.print(profile);
                }
            }
        } finally {
            Files.deleteIfExists(dir.resolve(ModelConfig.FILE));
            Files.deleteIfExists(dir);
        }
    }

    private static void decode(CudaModelExecutor executor, List<int[]> tables, int[] last, int position,
            int vocabulary) {
        List<SequenceSlice> slices = new ArrayList<>();
        for (int s = 0; s < last.length; s++) {
            slices.add(new SequenceSlice(s, new int[]{last[s]}, position, tables.get(s), true, null));
        }
        BitSet greedy = new BitSet();
        if (GREEDY) {
            greedy.set(0, last.length);
        }
        StepResult result = executor.forward(new StepBatch(slices, greedy, vocabulary));
        for (int s = 0; s < last.length; s++) {
            last[s] = result.hasTokenId(s) ? result.tokenIds()[s] : argmax(result.logits()[s]);
        }
    }

    /** bf16 bytes of every weight a decode step reads in full: attention, norms, routers, shared/dense MLPs, lm_head. */
    static long nonExpertBytes(ModelConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        long params = 0;
        for (int l = 0; l < c.layers(); l++) {
            params += h * q * 2 + h * kv * 2 + 2 * h;
            if (c.isSparse(l)) {
                params += (long) c.experts() * h;
                if (c.sharedExpertIntermediateSize() > 0) {
                    params += 3 * h * c.sharedExpertIntermediateSize() + h;
                }
            } else {
                params += 3 * h * c.intermediateSize();
            }
        }
        params += (long) c.vocabularySize() * h + h;
        return params * 2;
    }

    private static int sparseLayers(ModelConfig c) {
        int n = 0;
        for (int l = 0; l < c.layers(); l++) {
            n += c.isSparse(l) ? 1 : 0;
        }
        return Math.max(1, n);
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int[] ints(String csv) {
        String[] parts = csv.split(",");
        int[] a = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            a[i] = Integer.parseInt(parts[i].trim());
        }
        return a;
    }
}
