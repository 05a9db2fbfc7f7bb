package io.moeplatform.inference.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A decoding token gets bit-identical logits alone (decode kernels that read
 * the stored weights directly) and inside a prefill-sized batch (kernels that
 * convert weight rows and block tokens), for bf16, f16 and f32 weights.
 */
class BatchInvarianceTests {

    @ParameterizedTest
    @ValueSource(strings = {"qwen3_moe", "olmoe", "mixtral", "qwen2_moe"})
    void decodeAloneEqualsDecodeInsideABusyBatch(String name) {
        GoldenCase golden = GoldenCase.load(name);
        int[] all = golden.allTokens();
        try (CpuModelExecutor executor = CpuModelExecutor.open(golden.directory(), new CpuExecutorOptions(2, 16, 0,
                8, false))) {
            executor.forward(new StepBatch(List.of(new SequenceSlice(1, Arrays.copyOf(all, 12), 0, new int[]{0},
                    false, null))));
            SequenceSlice decode = new SequenceSlice(1, new int[]{all[12]}, 12, new int[]{0}, true, null);
            float[] alone = executor.forward(new StepBatch(List.of(decode))).logits()[0];
            SequenceSlice other = new SequenceSlice(2, Arrays.copyOfRange(all, 3, 10), 0, new int[]{4}, true, null);
            float[][] busy = executor.forward(new StepBatch(List.of(other, decode))).logits();
            assertThat(busy[1]).containsExactly(alone);
            golden.assertLogits(12, alone);
        }
    }
}
