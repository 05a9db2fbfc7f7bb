package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.LatentAttentionShape;
import java.util.Arrays;

/**
 * The MLA cache: per layer one array {@code [blockCount, blockSize, width]} of fp32 latents, {@code width =
 * kv_lora_rank + qk_rope_head_dim} ({@code [c_kv | k_pe]} of a token). Paged like {@link PagedKvCache}: position
 * {@code p} of a sequence lives in block {@code blockTable[p / blockSize]} at slot {@code p % blockSize}.
 */
final class PagedLatentCache {

    private final KvCacheShape shape;
    private final int blockSize;
    private final int width;
    private final float[][] latents;

    PagedLatentCache(KvCacheShape shape, int blockSize, int blockCount) {
        this.shape = shape;
        this.blockSize = blockSize;
        this.width = shape.headDim();
        long perLayer = (long) blockCount * blockSize * width;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("latent KV pool of " + blockCount + " blocks x " + blockSize
                    + " tokens is too large for the CPU backend; use fewer blocks");
        }
        latents = new float[shape.layers()][(int) perLayer];
    }

    long bytesPerBlock() {
        return shape.bytesPerToken() * blockSize;
    }

    /** Stores the latent row {@code [width]} of one token. */
    void write(int layer, int[] blockTable, int position, float[] row, int rowOffset) {
        int o = (blockTable[position / blockSize] * blockSize + position % blockSize) * width;
        System.arraycopy(row, rowOffset, latents[layer], o, width);
    }

    /**
     * One head over positions {@code 0 .. position} of its sequence, in the absorbed form:
     * {@code p_j = softmax_j((qc · c_j + qp · kpe_j) * scale)}, {@code outLatent = sum_j p_j c_j}.
     *
     * @param qc
     *            {@code [kvLoraRank]} at {@code qcOffset}: the no-rope query folded through the head's k_nope rows
     * @param qp
     *            {@code [ropeDim]} at {@code qpOffset}: the rotated query part
     * @param scores
     *            scratch of at least {@code position + 1}
     * @param outLatent
     *            {@code [kvLoraRank]}, overwritten
     */
    void attend(int layer, int[] blockTable, int position, LatentAttentionShape s, float[] qc, int qcOffset,
            float[] qp, int qpOffset, float[] scores, float[] outLatent) {
        float[] cache = latents[layer];
        int rank = s.kvLoraRank();
        int count = position + 1;
        float max = Float.NEGATIVE_INFINITY;
        for (int start = 0; start < count; start += blockSize) {
            int base = blockTable[start / blockSize] * blockSize * width;
            int end = Math.min(count, start + blockSize);
            for (int j = start; j < end; j++) {
                int row = base + (j - start) * width;
                float score = (FloatVectors.dot(qc, qcOffset, cache, row, rank)
                        + FloatVectors.dot(qp, qpOffset, cache, row + rank, s.ropeDim())) * s.scale();
                scores[j] = score;
                max = Math.max(max, score);
            }
        }
        float sum = 0f;
        for (int j = 0; j < count; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        float inverseSum = 1f / sum;
        Arrays.fill(outLatent, 0, rank, 0f);
        for (int start = 0; start < count; start += blockSize) {
            int base = blockTable[start / blockSize] * blockSize * width;
            int end = Math.min(count, start + blockSize);
            for (int j = start; j < end; j++) {
                FloatVectors.axpy(scores[j] * inverseSum, cache, base + (j - start) * width, outLatent, 0, rank);
            }
        }
    }
}
