package io.moeplatform.inference.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step mixing two adapters and the base model gives every row bit-identical logits to the same row computed alone,
 * through prefill chunks and decoding (qwen2_moe: attention projections and shared experts adapted).
 */
class MixedAdapterBatchTests {

    private static final String GOLDEN = "/golden/lora/qwen2_moe/attn_shared_r8";

    @Test
    void eachRowOfAMixedBatchEqualsTheRowAlone(@TempDir Path temp) throws Exception {
        GoldenCase base = GoldenCase.load("qwen2_moe");
        GoldenCase golden = GoldenCase.loadResource(GOLDEN, "qwen2_moe/attn_shared_r8");
        Path rsLora = TestAdapters.rescaledCopy(golden.directory(), temp.resolve("rslora"));
        try (CpuModelExecutor executor = CpuModelExecutor.open(base.directory(), new CpuExecutorOptions(2, 16, 0, 8,
                false))) {
            PeftAdapterReader reader = new PeftAdapterReader(executor.config(), 64);
            Map<String, AdapterWeights> adapters = new HashMap<>();
            adapters.put("a", reader.read("a", golden.directory()).weights());
            adapters.put("b", reader.read("b", rsLora).weights());
            int[] all = golden.allTokens();
            // three sequences: adapter a, adapter b, base; different prompts so rows differ
            String[] ids = {"a", "b", null};
            int[][] prompts = {Arrays.copyOf(all, 12), Arrays.copyOfRange(all, 2, 11), Arrays.copyOfRange(all, 5,
                    17)};
            int[][] blocks = {{0}, {2}, {4}};
            List<List<float[]>> alone = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                alone.add(run(executor, adapters, List.of(s), ids, prompts, blocks));
            }
            List<List<float[]>> mixed = transpose(run(executor, adapters, List.of(0, 1, 2), ids, prompts, blocks), 3);
            for (int s = 0; s < 3; s++) {
                for (int step = 0; step < alone.get(s).size(); step++) {
                    assertThat(mixed.get(s).get(step)).as("sequence " + s + " step " + step)
                            .containsExactly(alone.get(s).get(step));
                }
            }
            // the three rows really differ: a and b are different adapters, and both differ from the base
            assertThat(alone.get(0).getFirst()).isNotEqualTo(alone.get(2).getFirst());
            float[] aOnThirdPrompt = run(executor, adapters, List.of(2), new String[]{null, null, "a"}, prompts,
                    blocks).getFirst();
            float[] bOnThirdPrompt = run(executor, adapters, List.of(2), new String[]{null, null, "b"}, prompts,
                    blocks).getFirst();
            assertThat(aOnThirdPrompt).isNotEqualTo(bOnThirdPrompt).isNotEqualTo(alone.get(2).getFirst());
        }
    }

    /**
     * Prefill of each chosen sequence in two chunks (first chunk without logits), then three decode steps with the
     * greedy token of the row; returns the logits of every step, rows of a step in sequence order.
     */
    private static List<float[]> run(CpuModelExecutor executor, Map<String, AdapterWeights> adapters,
            List<Integer> sequences, String[] ids, int[][] prompts, int[][] blocks) {
        List<float[]> out = new ArrayList<>();
        List<SequenceSlice> first = new ArrayList<>();
        for (int s : sequences) {
            first.add(new SequenceSlice(s, Arrays.copyOf(prompts[s], 5), 0, blocks[s], false, ids[s]));
        }
        executor.forward(new StepBatch(first, adapters));
        int[] position = new int[3];
        int[] next = new int[3];
        List<SequenceSlice> rest = new ArrayList<>();
        for (int s : sequences) {
            rest.add(new SequenceSlice(s, Arrays.copyOfRange(prompts[s], 5, prompts[s].length), 5, blocks[s], true,
                    ids[s]));
            position[s] = prompts[s].length;
        }
        float[][] logits = executor.forward(new StepBatch(rest, adapters)).logits();
        for (int step = 0; step < 4; step++) {
            List<SequenceSlice> decode = new ArrayList<>();
            for (int i = 0; i < sequences.size(); i++) {
                int s = sequences.get(i);
                out.add(logits[i]);
                next[s] = GoldenCase.argmax(logits[i]);
                decode.add(new SequenceSlice(s, new int[]{next[s]}, position[s]++, blocks[s], true, ids[s]));
            }
            logits = executor.forward(new StepBatch(decode, adapters)).logits();
        }
        return out;
    }

    private static List<List<float[]>> transpose(List<float[]> rows, int sequences) {
        List<List<float[]>> bySequence = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
            bySequence.add(new ArrayList<>());
        }
        for (int i = 0; i < rows.size(); i++) {
            bySequence.get(i % sequences).add(rows.get(i));
        }
        return bySequence;
    }
}
