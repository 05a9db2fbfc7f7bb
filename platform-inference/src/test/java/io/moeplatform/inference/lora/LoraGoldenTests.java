package io.moeplatform.inference.lora;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PEFT adapters made by scripts/golden/make_lora_goldens.py (transformers + peft, fp32) give the CPU backend the
 * same logits as Hugging Face within 1e-4 relative, at every prompt and decode position, and the same greedy
 * continuation.
 */
class LoraGoldenTests {

    @ParameterizedTest
    @CsvSource({"qwen2_moe, attn_shared_r8", "olmoe, attn_bf16_r4"})
    void adaptedLogitsMatchPeft(String model, String adapter) {
        GoldenCase base = GoldenCase.load(model);
        GoldenCase golden = GoldenCase.loadResource("/golden/lora/" + model + "/" + adapter, model + "/" + adapter);
        int[] all = golden.allTokens();
        int promptLength = golden.prompt().length;
        try (CpuModelExecutor executor = CpuModelExecutor.open(base.directory(), new CpuExecutorOptions(2, 16, 0,
                4, false))) {
            AdapterWeights weights = new PeftAdapterReader(executor.config(), 64).read(adapter, golden.directory())
                    .weights();
            Map<String, AdapterWeights> adapters = Map.of(adapter, weights);
            int[] blocks = {0, 1};
            float[] logits = executor.forward(new StepBatch(List.of(new SequenceSlice(1, Arrays.copyOf(all,
                    promptLength), 0, blocks, true, adapter)), adapters)).logits()[0];
            for (int position = promptLength - 1; position < all.length - 1; position++) {
                golden.assertLogits(position, logits);
                assertThat(GoldenCase.argmax(logits)).as("greedy token after position " + position)
                        .isEqualTo(all[position + 1]);
                logits = executor.forward(new StepBatch(List.of(new SequenceSlice(1, new int[]{all[position + 1]},
                        position + 1, blocks, true, adapter)), adapters)).logits()[0];
            }
            golden.assertLogits(all.length - 1, logits);
            // the adapter matters: the base model's logits are far from the adapted ones
            assertThat(maxDiff(base.logits()[promptLength - 1], golden.logits()[promptLength - 1])).isGreaterThan(
                    0.05);
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }
}
