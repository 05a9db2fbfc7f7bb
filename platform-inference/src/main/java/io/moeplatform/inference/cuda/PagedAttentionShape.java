package io.moeplatform.inference.cuda;

/**
 * The shapes of one paged decode-attention launch (one query token per sequence).
 *
 * @param sequences
 *            sequences in the batch
 * @param queryHeads
 *            query heads; a multiple of {@code kvHeads} (grouped-query attention)
 * @param kvHeads
 *            key/value heads in the cache
 * @param headDim
 *            head dimension: a multiple of 32, at most 256
 * @param blockSize
 *            tokens per KV block
 * @param maxBlocksPerSequence
 *            row length of the block table
 * @param queryStride
 *            elements between consecutive sequences' rows of q (at least {@code queryHeads * headDim})
 * @param scale
 *            softmax scale, usually {@code 1 / sqrt(headDim)}
 */
public record PagedAttentionShape(int sequences, int queryHeads, int kvHeads, int headDim, int blockSize,
        int maxBlocksPerSequence, long queryStride, float scale) {

    public PagedAttentionShape {
        if (sequences < 1 || kvHeads < 1 || queryHeads % kvHeads != 0 || queryHeads < kvHeads) {
            throw new IllegalArgumentException("query heads (" + queryHeads
                    + ") must be a positive multiple of kv heads (" + kvHeads + ") and sequences positive");
        }
        if (headDim % 32 != 0 || headDim < 32 || headDim > 256) {
            throw new IllegalArgumentException("head dim must be a multiple of 32 in [32, 256], got " + headDim);
        }
        if (blockSize < 1 || maxBlocksPerSequence < 1 || queryStride < (long) queryHeads * headDim) {
            throw new IllegalArgumentException("block size, blocks per sequence and query stride must fit the heads");
        }
    }

    /** Split-K partitions needed to cover {@code maxSequenceLength} tokens in pieces of {@code partitionSize}. */
    public int partitions(int maxSequenceLength, int partitionSize) {
        return Math.max(1, (maxSequenceLength + partitionSize - 1) / partitionSize);
    }

    /** fp32 scratch for split-K: partial outputs then (max, sum) pairs, for {@code partitions} partitions. */
    public long scratchBytes(int partitions) {
        long rows = (long) sequences * queryHeads * partitions;
        return rows * headDim * 4 + rows * 2 * 4;
    }
}
