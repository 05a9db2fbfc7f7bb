package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.DemoModel;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Prefill and decode throughput of the CPU backend (printed, never asserted).
 * Usage: {@code CpuBenchmark [modelDir|demo] [threads] [dummy]}; without a model
 * directory it writes the demo model's weights to a temporary directory.
 */
public final class CpuBenchmark {

    private static final int BLOCK = 16;

    private CpuBenchmark() {}

    public static void main(String[] args) throws IOException {
        Path dir;
        if (args.length == 0 || args[0].equals("demo")) {
            dir = Files.createTempDirectory("moe-demo-bench");
            DemoModel.writeModelFiles(dir);
        } else {
            dir = Path.of(args[0]);
        }
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        boolean dummy = args.length > 2 && args[2].equals("dummy");
        try (CpuModelExecutor executor = CpuModelExecutor.open(dir, new CpuExecutorOptions(threads, BLOCK, 0, 2048,
                dummy))) {
            System.out.printf("model %s (%s), %d threads, vector bits %d%n", dir, executor.architecture(), threads,
                    jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize());
            double[] best = new double[3];
            for (int round = 0; round < 4; round++) {
                double[] r = {prefill(executor, 512), decode(executor, 1, 64, 64), decode(executor, 8, 64, 32)};
                System.out.printf("%s: prefill %.0f tok/s (512-token prompt), decode batch 1 %.1f tok/s, "
                        + "decode batch 8 %.1f tok/s%n", round == 0 ? "warm-up" : "round " + round, r[0], r[1], r[2]);
                for (int i = 0; round > 0 && i < 3; i++) {
                    best[i] = Math.max(best[i], r[i]);
                }
            }
            System.out.printf("best: prefill %.0f tok/s, decode batch 1 %.1f tok/s, decode batch 8 %.1f tok/s "
                    + "(load average %s)%n", best[0], best[1], best[2], loadAverage());
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static double prefill(CpuModelExecutor executor, int length) {
        int[] prompt = tokens(length, executor.vocabularySize(), 1);
        long start = System.nanoTime();
        executor.forward(new StepBatch(List.of(new SequenceSlice(1, prompt, 0, blocks(0, length), true, null))));
        return length / seconds(start);
    }

    /** {@code batch} sequences of {@code promptLength}, then {@code steps} decode steps of all of them. */
    private static double decode(CpuModelExecutor executor, int batch, int promptLength, int steps) {
        int perSequence = (promptLength + steps + BLOCK - 1) / BLOCK;
        List<int[]> tables = new ArrayList<>();
        for (int s = 0; s < batch; s++) {
            int[] table = blocks(s * perSequence, promptLength + steps);
            tables.add(table);
            executor.forward(new StepBatch(List.of(new SequenceSlice(s, tokens(promptLength, executor
                    .vocabularySize(), s), 0, table, true, null))));
        }
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            List<SequenceSlice> slices = new ArrayList<>();
            for (int s = 0; s < batch; s++) {
                slices.add(new SequenceSlice(s, new int[]{(i * 31 + s) % executor.vocabularySize()}, promptLength + i,
                        tables.get(s), true, null));
            }
            executor.forward(new StepBatch(slices));
        }
        return batch * steps / seconds(start);
    }

    private static int[] blocks(int first, int positions) {
        int[] table = new int[(positions + BLOCK - 1) / BLOCK];
        for (int i = 0; i < table.length; i++) {
            table[i] = first + i;
        }
        return table;
    }

    private static int[] tokens(int n, int vocab, long seed) {
        return new SplittableRandom(seed).ints(n, 0, vocab).toArray();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
