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
    private final int kvDim;
    private final float[][] keys;
    private final float[][] values;

    PagedKvCache(KvCacheShape shape, int blockSize, int blockCount) {
        this.shape = shape;
        this.blockSize = blockSize;
        this.kvDim = shape.kvHeads() * shape.headDim();
        long perLayer = (long) blockCount * blockSize * kvDim;
        if (perLayer > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV pool of " + blockCount + " blocks x " + blockSize
                    + " tokens is too large for the CPU backend; use fewer blocks");
        }
        keys = new float[shape.layers()][(int) perLayer];
        values = new float[shape.layers()][(int) perLayer];
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
     * The query heads of one KV head (a GQA group of {@code g} heads starting at
     * head {@code firstHead}) over positions {@code 0 .. position} of their
     * sequence: {@code out_h = sum_j softmax_j(q_h · K[j] * scale) V[j]}. Each K
     * and V row is read once for the whole group.
     *
     * @param scores
     *            scratch of at least {@code g * (position + 1)}
     */
    void attend(int layer, int[] blockTable, int position, int kvHead, int firstHead, int g, AttentionShape a,
            float[] q, int qRow, float[] out, int outRow, float[] scores) {
        float[] k = keys[layer];
        float[] v = values[layer];
        int hd = a.headDim();
        int headOffset = kvHead * hd;
        int count = position + 1;
        float[] max = new float[g];
        Arrays.fill(max, Float.NEGATIVE_INFINITY);
        // walk block by block: no division per position
        for (int start = 0; start < count; start += blockSize) {
            int base = blockTable[start / blockSize] * blockSize * kvDim + headOffset;
            int end = Math.min(count, start + blockSize);
            for (int j = start; j < end; j++) {
                int kOffset = base + (j - start) * kvDim;
                for (int h = 0; h < g; h++) {
                    float s = FloatVectors.dot(q, qRow + (firstHead + h) * hd, k, kOffset, hd) * a.scale();
                    scores[h * count + j] = s;
                    max[h] = Math.max(max[h], s);
                }
            }
        }
        float[] inverseSum = new float[g];
        for (int h = 0; h < g; h++) {
            float sum = 0f;
            for (int j = h * count; j < (h + 1) * count; j++) {
                float e = (float) Math.exp(scores[j] - max[h]);
                scores[j] = e;
                sum += e;
            }
            inverseSum[h] = 1f / sum;
            Arrays.fill(out, outRow + (firstHead + h) * hd, outRow + (firstHead + h + 1) * hd, 0f);
        }
        for (int start = 0; start < count; start += blockSize) {
            int base = blockTable[start / blockSize] * blockSize * kvDim + headOffset;
            int end = Math.min(count, start + blockSize);
            for (int j = start; j < end; j++) {
                int vOffset = base + (j - start) * kvDim;
                for (int h = 0; h < g; h++) {
                    FloatVectors.axpy(scores[h * count + j] * inverseSum[h], v, vOffset, out,
                            outRow + (firstHead + h) * hd, hd);
                }
            }
        }
    }
}
