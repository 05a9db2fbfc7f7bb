package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * How a step is cut must not change the numbers: chunked prefill, small KV
 * blocks, shared prefix blocks and batching with other sequences all give the
 * reference logits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ModelExecutorPagingTests {

    private GoldenCase golden;
    private ModelExecutor executor;

    /** Loads {@code modelDir} with a KV pool of {@code blockCount} blocks of {@code blockSize} tokens. */
    protected abstract ModelExecutor open(Path modelDir, int blockSize, int blockCount);

    @BeforeAll
    void open() {
        golden = GoldenCase.load("qwen3_moe");
        executor = open(golden.directory(), 4, 32);
    }

    @AfterAll
    void close() {
        executor.close();
    }

    @Test
    void chunkedPrefillWithBlocksOfFourTokensGivesTheReferenceLogits() {
        int[] blocks = {9, 4, 17, 0};
        StepResult first = executor.forward(batch(new SequenceSlice(1, range(0, 5), 0, blocks, false, null)));
        assertThat(first.logits()).isEmpty();
        float[] last = single(new SequenceSlice(1, range(5, 12), 5, blocks, true, null));
        golden.assertLogits(11, last);
        float[] next = single(new SequenceSlice(1, new int[]{golden.greedy()[0]}, 12, blocks, true, null));
        golden.assertLogits(12, next);
    }

    @Test
    void intermediateChunksCanAskForLogits() {
        int[] blocks = {1, 2, 3};
        golden.assertLogits(4, single(new SequenceSlice(1, range(0, 5), 0, blocks, true, null)));
        golden.assertLogits(11, single(new SequenceSlice(1, range(5, 12), 5, blocks, true, null)));
    }

    @Test
    void twoSequencesInOneStepGiveTheLogitsEachGivesAlone() {
        int[] a = {10, 11, 12};
        int[] b = {20, 21, 22, 23, 24};
        float[] aloneA = single(new SequenceSlice(1, range(0, 12), 0, a, true, null));
        float[] aloneB = single(new SequenceSlice(2, range(0, 7), 0, b, true, null));
        // B continues its prefill while A decodes, in one step
        StepResult both = executor.forward(new StepBatch(List.of(
                new SequenceSlice(2, range(0, 7), 0, new int[]{25, 26}, false, null),
                new SequenceSlice(1, range(0, 12), 0, new int[]{13, 14, 15}, true, null))));
        assertThat(both.logits()).hasNumberOfRows(1);
        assertThat(both.logits()[0]).containsExactly(aloneA);
        StepResult batched = executor.forward(new StepBatch(List.of(
                new SequenceSlice(1, new int[]{golden.greedy()[0]}, 12, new int[]{13, 14, 15, 16}, true, null),
                new SequenceSlice(2, range(7, 12), 7, new int[]{25, 26, 27}, true, null))));
        golden.assertLogits(12, batched.logits()[0]);
        golden.assertLogits(11, batched.logits()[1]);
        assertThat(aloneB).hasSize(golden.logits()[6].length);
        golden.assertLogits(6, aloneB);
    }

    @Test
    void aSequenceReadsSharedPrefixBlocksOfAnother() {
        // sequence 1 fills blocks 5, 6 (positions 0..7); sequence 2 shares them and owns block 7
        executor.forward(batch(new SequenceSlice(1, range(0, 8), 0, new int[]{5, 6}, false, null)));
        float[] shared = single(new SequenceSlice(2, range(8, 12), 8, new int[]{5, 6, 7}, true, null));
        golden.assertLogits(11, shared);
    }

    @Test
    void rejectsBlockTablesThatDoNotCoverTheSlice() {
        assertThatThrownBy(() -> executor.forward(batch(new SequenceSlice(1, range(0, 12), 0, new int[]{1, 2},
                true, null)))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not cover");
        assertThatThrownBy(() -> executor.forward(batch(new SequenceSlice(1, range(0, 3), 0, new int[]{32}, true,
                null)))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the KV pool");
    }

    private int[] range(int from, int to) {
        return Arrays.copyOfRange(golden.allTokens(), from, to);
    }

    private StepBatch batch(SequenceSlice slice) {
        return new StepBatch(List.of(slice));
    }

    private float[] single(SequenceSlice slice) {
        StepResult r = executor.forward(batch(slice));
        assertThat(r.logits()).hasNumberOfRows(1);
        return r.logits()[0];
    }
}
