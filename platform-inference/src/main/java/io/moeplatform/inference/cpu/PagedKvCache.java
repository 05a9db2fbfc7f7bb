package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.AttentionShape;
import io.moeplatform.inference.model.KvCacheShape;
import java.util.Arrays;

/**
 * fp32 K and V of every layer in fixed-size blocks: per layer one array
 * {@code [blockCount, blockSize, kvHeads, headDim]} for K and one for V. A
 * sequence's position {@code p} lives in block {@code blockTable[p / blockSize]}
 * at slot {@code p % blockSize}.
 */
final class PagedKvCache {

    private final KvCacheShape shape;
    private final int blockSize;
    private final int blockCount;
    private final int kvDim;
    private final float[][] keys;
    private final float[][] values;

    PagedKvCache(KvCacheShape shape, int blockSize, int blockCount) {
        this.shape = shape;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
        this.kvDim = shape.kvHeads() * shape.headDim();
        long perLayer = (long) blockCount * blockSize * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV pool of " + blockCount + " blocks x " + blockSize
                    + " tokens is too large for the CPU backend; use fewer blocks");
        }
        keys = new float[shape.layers()][(int) perLayer];
        values = new float[shape.layers()][(int) perLayer];
    }

    int blockCount() {
        return blockCount;
    }

    int blockSize() {
        return blockSize;
    }

    long bytesPerBlock() {
        return shape.bytesPerToken() * blockSize;
    }

    /** Offset of {@code position}'s K/V row in a layer array. */
    int offset(int[] blockTable, int position) {
        return (blockTable[position / blockSize] * blockSize + position % blockSize) * kvDim;
    }

    /** Stores K and V rows {@code [kvDim]} of one token. */
    void write(int layer, int[] blockTable, int position, float[] k, float[] v, int rowOffset) {
        int o = offset(blockTable, position);
        System.arraycopy(k, rowOffset, keys[layer], o, kvDim);
        System.arraycopy(v, rowOffset, values[layer], o, kvDim);
    }

    /**
     * One query head over positions {@code 0 .. position} of its sequence:
     * {@code out = sum_j softmax_j(q · K[j] * scale) V[j]} for the head's KV head.
     *
     * @param scores
     *            scratch of at least {@code position + 1}
     */
    void attend(int layer, int[] blockTable, int position, int kvHead, AttentionShape a, float[] q, int qOffset,
            float[] out, int outOffset, float[] scores) {
        float[] k = keys[layer];
        float[] v = values[layer];
        int hd = a.headDim();
        int headOffset = kvHead * hd;
        int count = position + 1;
        // walk block by block: no division per position
        float max = Float.NEGATIVE_INFINITY;
        for (int start = 0; start < count; start += blockSize) {
            int base = blockTable[start / blockSize] * blockSize * kvDim + headOffset;
            int end = Math.min(count, start + blockSize);
            for (int j = start; j < end; j++) {
                float s = FloatVectors.dot(q, qOffset, k, base + (j - start) * kvDim, hd) * a.scale();
                scores[j] = s;
                max = Math.max(max, s);
            }
        }
        float sum = 0f;
        for (int j = 0; j < count; j++) {
            float e = (float) Math.exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }
        Arrays.fill(out, outOffset, outOffset + hd, 0f);
        float inv = 1f / sum;
        for (int start = 0; start < count; start += blockSize) {
            int base = blockTable[start / blockSize] * blockSize * kvDim + headOffset;
            int end = Math.min(count, start + blockSize);
            for (int j = start; j < end; j++) {
                FloatVectors.axpy(scores[j] * inv, v, base + (j - start) * kvDim, out, outOffset, hd);
            }
        }
    }
}
