package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Which attention kernel runs, checked against the cases measured on an H100 (132 SMs), and shape validation. */
class AttentionKernelChoiceTests {

    private static final int H100_SMS = 132;

    private static PagedAttentionShape shape(int seqs, int qHeads, int kvHeads, int headDim) {
        return new PagedAttentionShape(seqs, qHeads, kvHeads, headDim, 16, 512, (long) qHeads * headDim, 0.1f);
    }

    @Test
    void groupedKernelRunsWhenItFillsTheGpu() {
        // measured: 64 seqs x 4 kv heads, one partition: grouped 0.67 ms vs per-head 1.08 ms
        assertThat(MoeKernels.prefersGrouped(shape(64, 32, 4, 128), 1, H100_SMS)).isTrue();
        // 8 seqs x 4 kv heads x 8 partitions: grouped 0.35 ms vs 0.55 ms
        assertThat(MoeKernels.prefersGrouped(shape(8, 32, 4, 128), 8, H100_SMS)).isTrue();
    }

    @Test
    void perHeadKernelRunsForSmallBatches() {
        // measured: 1 seq x 4 kv heads x 16 partitions: per-head 0.055 ms vs grouped 0.092 ms
        assertThat(MoeKernels.prefersGrouped(shape(1, 32, 4, 128), 16, H100_SMS)).isFalse();
        // 8 seqs, one partition: per-head 2.05 ms vs grouped 2.56 ms
        assertThat(MoeKernels.prefersGrouped(shape(8, 32, 4, 128), 1, H100_SMS)).isFalse();
    }

    @Test
    void decodeAttentionSplitsLongContextsIntoPartitionsOfAtMost64Tokens() {
        // batch 1, 32 query heads: 9 partitions give two blocks per SM; a 2,048-token table needs 32 of 64 tokens
        assertThat(CudaBackend.decodePartitions(32, 256, H100_SMS)).isEqualTo(8); // 32 tokens each at most
        assertThat(CudaBackend.decodePartitions(32, 512, H100_SMS)).isEqualTo(9);
        assertThat(CudaBackend.decodePartitions(32, 2048, H100_SMS)).isEqualTo(32);
        assertThat(CudaBackend.decodePartitions(32, 32768, H100_SMS)).isEqualTo(64); // capped
        // a step with two blocks per SM already is not split
        assertThat(CudaBackend.decodePartitions(64 * 32, 2048, H100_SMS)).isEqualTo(1);
        assertThat(CudaBackend.decodePartitions(1, 16, H100_SMS)).isEqualTo(1);
        // 32 tokens per partition (-Dmoe.cuda.decodePartitionTokens=32): batch 1 of Qwen3 at a 512-token table
        assertThat(CudaBackend.decodePartitions(32, 512, H100_SMS, 32)).isEqualTo(16);
        assertThat(CudaBackend.decodePartitions(32, 512, H100_SMS, 64)).isEqualTo(9);
    }

    @Test
    void shapesWithoutAGroupedKernelUseThePerHeadOne() {
        assertThat(MoeKernels.hasGroupedKernel(shape(64, 16, 1, 128))).isFalse(); // 16 query heads per kv head
        assertThat(MoeKernels.hasGroupedKernel(shape(64, 12, 4, 96))).isFalse(); // head dim 96
        assertThat(MoeKernels.prefersGrouped(shape(512, 12, 4, 96), 8, H100_SMS)).isFalse();
        assertThat(MoeKernels.hasGroupedKernel(shape(64, 16, 16, 128))).isTrue(); // no grouping (OLMoE)
    }

    @Test
    void rejectsShapesTheKernelsCannotRun() {
        assertThatThrownBy(() -> shape(1, 30, 4, 128)).hasMessageContaining("multiple of kv heads");
        assertThatThrownBy(() -> shape(1, 8, 8, 80)).hasMessageContaining("multiple of 32");
        assertThatThrownBy(() -> shape(1, 8, 8, 512)).hasMessageContaining("[32, 256]");
    }

    @Test
    void splitKScratchHoldsPartialOutputsAndSoftmaxStatistics() {
        PagedAttentionShape s = shape(3, 8, 2, 128);
        assertThat(s.partitions(1000, 256)).isEqualTo(4);
        assertThat(s.partitions(1, 256)).isEqualTo(1);
        assertThat(s.scratchBytes(4)).isEqualTo(3L * 8 * 4 * (128 * 4 + 2 * 4));
    }
}
