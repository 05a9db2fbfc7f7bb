package io.moeplatform.inference.lora;

import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What LoRA costs the CPU backend (a benchmark, not a test): decode steps of a batch of B sequences on one executor,
 * without adapters and with the given PEFT adapters (row r uses adapter r mod count), alternating in rounds so that
 * load changes on the machine hit both alike. Prints the median step time and decode tokens/s of each.
 *
 * <pre>
 * java -cp platform-inference.jar io.moeplatform.inference.lora.LoraBenchmark MODEL_DIR THREADS BATCH STEPS ADAPTER_DIR...
 * </pre>
 */
public final class LoraBenchmark {

    private static final int PROMPT = 64;
    private static final int ROUNDS = 8;

    private LoraBenchmark() {}

    public static void main(String[] args) {
        Path model = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        int steps = Integer.parseInt(args[3]);
        int blocksPerSequence = (PROMPT + ROUNDS * steps * 2) / 16 + 1;
        try (CpuModelExecutor executor = CpuModelExecutor.open(model, new CpuExecutorOptions(threads, 16, 0,
                batch * blocksPerSequence, false))) {
            PeftAdapterReader reader = new PeftAdapterReader(executor.config(), 64);
            Map<String, AdapterWeights> adapters = new HashMap<>();
            List<String> ids = new ArrayList<>();
            for (int i = 4; i < args.length; i++) {
                String id = "lora-" + ids.size();
                adapters.put(id, reader.read(id, Path.of(args[i])).weights());
                ids.add(id);
            }
            SplittableRandom random = new SplittableRandom(7);
            int[][] tables = new int[batch][blocksPerSequence];
            int[] positions = new int[batch];
            for (int s = 0; s < batch; s++) {
                for (int b = 0; b < blocksPerSequence; b++) {
                    tables[s][b] = s * blocksPerSequence + b;
                }
                int[] prompt = random.ints(PROMPT, 0, executor.vocabularySize()).toArray();
                executor.forward(new StepBatch(List.of(new SequenceSlice(s, prompt, 0, tables[s], true, null))));
                positions[s] = PROMPT;
            }
            long[] base = new long[ROUNDS * steps];
            long[] lora = new long[ROUNDS * steps];
            int n = 0;
            for (int round = 0; round < ROUNDS; round++) {
                for (int i = 0; i < steps; i++, n++) {
                    base[n] = step(executor, batch, tables, positions, random, List.of(), Map.of());
                    lora[n] = step(executor, batch, tables, positions, random, ids, adapters);
                }
            }
            System.out.printf("batch %d, %d adapters, %d decode steps each (%d threads)%n", batch, ids.size(), n,
                    threads);
            report("base", base, batch);
            report("lora", lora, batch);
        }
    }

    private static long step(CpuModelExecutor executor, int batch, int[][] tables, int[] positions,
            SplittableRandom random, List<String> ids, Map<String, AdapterWeights> adapters) {
        List<SequenceSlice> slices = new ArrayList<>(batch);
        for (int s = 0; s < batch; s++) {
            String id = ids.isEmpty() ? null : ids.get(s % ids.size());
            slices.add(new SequenceSlice(s, new int[]{random.nextInt(executor.vocabularySize())}, positions[s]++,
                    tables[s], true, id));
        }
        long start = System.nanoTime();
        executor.forward(new StepBatch(slices, adapters));
        return System.nanoTime() - start;
    }

    private static void report(String name, long[] nanos, int batch) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double medianMs = sorted[sorted.length / 2] / 1e6;
        System.out.printf("%-5s median step %.3f ms, p90 %.3f ms, decode %.1f tok/s%n", name, medianMs,
                sorted[sorted.length * 9 / 10] / 1e6, batch * 1000 / medianMs);
    }
}
