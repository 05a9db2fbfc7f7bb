package io.moeplatform.inference.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * deepseek_v2 / deepseek_v3 on the CPU backend against transformers' fp32 logits
 * (scripts/golden/make_deepseek_goldens.py): MLA with and without q_lora over the paged latent cache, softmax
 * greedy, group-limited and sigmoid noaux_tc routing with a correction bias, shared experts, a dense first layer,
 * YaRN with mscale / mscale_all_dim. Blocks of 4 tokens so that every sequence spans several non-adjacent blocks.
 */
class DeepSeekGoldenTests {

    private static final int BLOCK = 4;

    private static CpuModelExecutor open(GoldenCase golden) {
        return CpuModelExecutor.open(golden.directory(), new CpuExecutorOptions(2, BLOCK, 0, 16, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepseek_v2", "deepseek_v2_qlora_group", "deepseek_v3"})
    void prefillThenGreedyDecodeThroughTheLatentCacheMatchesTransformers(String name) {
        GoldenCase golden = GoldenCase.load(name);
        try (CpuModelExecutor executor = open(golden)) {
            assertThat(executor.architecture()).isEqualTo(name.startsWith("deepseek_v3")
                    ? "deepseek_v3"
                    : "deepseek_v2");
            golden.assertPrefillThenGreedyDecode(executor, 1, new int[]{9, 2, 14, 5, 0});
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepseek_v2", "deepseek_v2_qlora_group", "deepseek_v3"})
    void everyPositionMatchesWhenFedOneTokenAtATime(String name) {
        GoldenCase golden = GoldenCase.load(name);
        try (CpuModelExecutor executor = open(golden)) {
            int[] all = golden.allTokens();
            int[] blocks = {3, 11, 7, 1, 6};
            for (int pos = 0; pos < all.length; pos++) {
                golden.assertLogits(pos, step(executor, new SequenceSlice(4, new int[]{all[pos]}, pos, blocks, true,
                        null)));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"deepseek_v2_qlora_group", "deepseek_v3"})
    void chunkedPrefillBatchedWithAnotherSequencesDecodeMatches(String name) {
        GoldenCase golden = GoldenCase.load(name);
        try (CpuModelExecutor executor = open(golden)) {
            int[] all = golden.allTokens();
            int[] first = {0, 1, 2, 3, 4};
            int[] second = {15, 14, 13, 12, 11};
            // sequence A: the first 7 tokens; then A's next 6 tokens in one slice next to B's first chunk
            step(executor, new SequenceSlice(1, Arrays.copyOfRange(all, 0, 7), 0, first, false, null));
            StepResult r = executor.forward(new StepBatch(List.of(
                    new SequenceSlice(1, Arrays.copyOfRange(all, 7, 13), 7, first, true, null),
                    new SequenceSlice(2, Arrays.copyOfRange(all, 0, 10), 0, second, true, null))));
            golden.assertLogits(12, r.logits()[0]);
            golden.assertLogits(9, r.logits()[1]);
            // both decode one token in the same step
            r = executor.forward(new StepBatch(List.of(
                    new SequenceSlice(2, new int[]{all[10]}, 10, second, true, null),
                    new SequenceSlice(1, new int[]{all[13]}, 13, first, true, null))));
            golden.assertLogits(10, r.logits()[0]);
            golden.assertLogits(13, r.logits()[1]);
        }
    }

    @Test
    void theKvPoolHoldsOnlyTheLatentPerToken() {
        try (CpuModelExecutor executor = open(GoldenCase.load("deepseek_v3"))) {
            // 3 layers x (kv_lora_rank 32 + qk_rope_head_dim 8) fp32 values per token
            long latentPerToken = 3L * (32 + 8) * Float.BYTES;
            assertThat(executor.kvCacheGeometry().bytesPerBlock()).isEqualTo(BLOCK * latentPerToken);
            // expanded per-head K (4 heads x (16 + 8)) and V (4 x 12) of the same model
            long fullPerToken = 3L * 4 * (16 + 8 + 12) * Float.BYTES;
            assertThat(latentPerToken * 3).isLessThan(fullPerToken);
        }
    }

    private static float[] step(CpuModelExecutor executor, SequenceSlice slice) {
        StepResult r = executor.forward(new StepBatch(List.of(slice)));
        if (!slice.needsLogits()) {
            assertThat(r.logits()).isEmpty();
            return new float[0];
        }
        assertThat(r.logits()).hasNumberOfRows(1);
        return r.logits()[0];
    }
}
