package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An executor against transformers' fp32 logits on tiny random checkpoints of
 * every architecture (bf16, fp16 and fp32 storage, sharded, 4.x and 5.x
 * configs, default, linear and YaRN RoPE). Each backend subclasses this suite.
 */
public abstract class ModelExecutorGoldenTests {

    /** Loads {@code modelDir} with a KV pool of {@code blockCount} blocks of {@code blockSize} tokens. */
    protected abstract ModelExecutor open(Path modelDir, int blockSize, int blockCount);

    @ParameterizedTest
    @ValueSource(strings = {"qwen3_moe", "qwen3_moe_yarn_sharded", "qwen2_moe", "mixtral", "olmoe"})
    void prefillThenGreedyDecodeMatchesTransformers(String name) {
        GoldenCase golden = GoldenCase.load(name);
        try (ModelExecutor executor = open(golden.directory(), 16, 8)) {
            assertThat(executor.architecture()).isEqualTo(name.startsWith("qwen3") ? "qwen3_moe" : name);
            golden.assertPrefillThenGreedyDecode(executor, 1, new int[]{3, 5});
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3_moe", "qwen3_moe_yarn_sharded", "qwen2_moe", "mixtral", "olmoe"})
    void everyPositionMatchesTransformersWhenFedOneTokenAtATime(String name) {
        GoldenCase golden = GoldenCase.load(name);
        try (ModelExecutor executor = open(golden.directory(), 16, 8)) {
            int[] all = golden.allTokens();
            int[] blocks = {7, 2};
            for (int pos = 0; pos < all.length; pos++) {
                float[] logits = GoldenCase.step(executor,
                        new SequenceSlice(9, new int[]{all[pos]}, pos, blocks, true, null));
                golden.assertLogits(pos, logits);
            }
        }
    }
}
