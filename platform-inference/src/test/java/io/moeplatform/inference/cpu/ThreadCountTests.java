package io.moeplatform.inference.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every output value is computed by one thread in a fixed order, so the thread count never changes a bit. */
class ThreadCountTests {

    @ParameterizedTest
    @ValueSource(strings = {"qwen2_moe", "olmoe"})
    void oneAndThreeThreadsGiveIdenticalLogits(String name) {
        GoldenCase golden = GoldenCase.load(name);
        float[][] one = run(golden, 1);
        float[][] three = run(golden, 3);
        assertThat(three).hasDimensions(2, 256);
        assertThat(three[0]).containsExactly(one[0]);
        assertThat(three[1]).containsExactly(one[1]);
    }

    private static float[][] run(GoldenCase golden, int threads) {
        try (CpuModelExecutor executor = CpuModelExecutor.open(golden.directory(), new CpuExecutorOptions(threads, 8,
                0, 8, false))) {
            int[] all = golden.allTokens();
            return executor.forward(new StepBatch(List.of(new SequenceSlice(1, all, 0, new int[]{0, 1, 2}, true,
                    null), new SequenceSlice(2, new int[]{all[3]}, 0, new int[]{5}, true, null)))).logits();
        }
    }
}
