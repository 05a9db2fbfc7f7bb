package io.moeplatform.inference.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SafetensorsFile;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.WeightTensor;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dense-MLP path (qwen3_moe's mlp_only_layers; peft on transformers 5 makes no such adapter for it, so there is
 * no peft golden): applying an adapter per row gives the logits of the checkpoint whose weights were merged,
 * {@code W + scale * B A}, within 1e-4 relative.
 */
class MergedWeightsTests {

    private static final int RANK = 4;
    private static final float ALPHA = 8f;
    private static final Map<String, int[]> ADAPTED = Map.of( // module -> {in, out}
            "model.layers.1.mlp.gate_proj", new int[]{64, 96}, "model.layers.1.mlp.up_proj", new int[]{64, 96},
            "model.layers.1.mlp.down_proj", new int[]{96, 64}, "model.layers.0.self_attn.o_proj", new int[]{64, 64});

    @Test
    void perRowUpdatesOfADenseLayerEqualMergedWeights(@TempDir Path temp) throws Exception {
        GoldenCase base = GoldenCase.load("qwen3_moe");
        SplittableRandom random = new SplittableRandom(5);
        AdapterFiles adapter = new AdapterFiles();
        Map<String, float[]> deltas = new HashMap<>();
        float scale = ALPHA / RANK;
        for (var e : ADAPTED.entrySet()) {
            int in = e.getValue()[0];
            int out = e.getValue()[1];
            float[] a = gaussian(random, RANK * in, 1 / Math.sqrt(in));
            float[] b = gaussian(random, out * RANK, 0.5 / Math.sqrt(RANK));
            adapter.put("base_model.model." + e.getKey() + ".lora_A.weight", new long[]{RANK, in}, a)
                    .put("base_model.model." + e.getKey() + ".lora_B.weight", new long[]{out, RANK}, b);
            float[] delta = new float[out * in];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double sum = 0;
                    for (int k = 0; k < RANK; k++) {
                        sum += (double) b[o * RANK + k] * a[k * in + i];
                    }
                    delta[o * in + i] = (float) (scale * sum);
                }
            }
            deltas.put(e.getKey() + ".weight", delta);
        }
        Path adapterDir = adapter.write(temp.resolve("adapter"), "{\"peft_type\": \"LORA\", \"r\": " + RANK
                + ", \"lora_alpha\": " + ALPHA + ", \"bias\": \"none\"}");
        Path merged = merge(base.directory(), temp.resolve("merged"), deltas);

        int[] tokens = base.allTokens();
        float[] adapted;
        float[] plain;
        try (CpuModelExecutor executor = open(base.directory())) {
            AdapterWeights w = new PeftAdapterReader(executor.config(), 64).read("x", adapterDir).weights();
            adapted = lastLogits(executor, tokens, "x", Map.of("x", w));
            plain = lastLogits(executor, tokens, null, Map.of());
        }
        float[] reference;
        try (CpuModelExecutor executor = open(merged)) {
            reference = lastLogits(executor, tokens, null, Map.of());
        }
        GoldenCase.assertClose(reference, adapted, 1e-4, "adapter vs merged weights");
        double moved = 0;
        for (int i = 0; i < plain.length; i++) {
            moved = Math.max(moved, Math.abs(plain[i] - reference[i]));
        }
        assertThat(moved).as("the adapter changes the logits").isGreaterThan(0.05);
    }

    private static CpuModelExecutor open(Path dir) {
        return CpuModelExecutor.open(dir, new CpuExecutorOptions(2, 16, 0, 4, false));
    }

    /** Prefill of all tokens but the last five, then five decode steps; the logits of the last. */
    private static float[] lastLogits(CpuModelExecutor executor, int[] tokens, String id,
            Map<String, AdapterWeights> adapters) {
        int[] blocks = {0, 1};
        int prefill = tokens.length - 5;
        float[] logits = executor.forward(new StepBatch(List.of(new SequenceSlice(1, java.util.Arrays.copyOf(tokens,
                prefill), 0, blocks, true, id)), adapters)).logits()[0];
        for (int p = prefill; p < tokens.length; p++) {
            logits = executor.forward(new StepBatch(List.of(new SequenceSlice(1, new int[]{tokens[p]}, p, blocks,
                    true, id)), adapters)).logits()[0];
        }
        return logits;
    }

    /** A copy of the checkpoint in fp32 with {@code delta} added to the named weights. */
    private static Path merge(Path model, Path target, Map<String, float[]> deltas) throws Exception {
        Files.createDirectories(target);
        Files.copy(model.resolve("config.json"), target.resolve("config.json"));
        Files.copy(model.resolve("generation_config.json"), target.resolve("generation_config.json"));
        AdapterFiles tensors = new AdapterFiles();
        try (Arena arena = Arena.ofConfined()) {
            for (WeightTensor t : SafetensorsFile.map(model.resolve("model.safetensors"), arena).values()) {
                float[] values = PeftAdapterReader.floats(t);
                float[] delta = deltas.get(t.name());
                if (delta != null) {
                    for (int i = 0; i < values.length; i++) {
                        values[i] += delta[i];
                    }
                }
                tensors.put(t.name(), t.shape(), values);
            }
        }
        tensors.writeSafetensors(target.resolve("model.safetensors"));
        assertThat(deltas).allSatisfy((name, d) -> assertThat(name).startsWith("model.layers."));
        return target;
    }

    private static float[] gaussian(SplittableRandom random, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller: SplittableRandom has no nextGaussian
            double u = 1 - random.nextDouble();
            v[i] = (float) (std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return v;
    }
}
