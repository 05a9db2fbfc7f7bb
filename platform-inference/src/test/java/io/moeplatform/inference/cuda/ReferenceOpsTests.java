package io.moeplatform.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The CPU references that the GPU tests trust, checked on cases whose answer is known by hand. */
class ReferenceOpsTests {

    @Test
    void ropeAtPositionZeroLeavesTheHeadUnchanged() {
        float[][] tables = ReferenceOps.ropeTables(4, 8, 10000);
        float[] x = {0.5f, -1f, 2f, 0.25f, 3f, -0.5f, 1f, 4f};
        float[] y = x.clone();
        ReferenceOps.ropeHead(y, 0, 8, 0, tables[0], tables[1], null, 1e-6f);
        assertArrayEquals(x, y);
    }

    @Test
    void ropeRotatesEachPairByPositionTimesFrequency() {
        float[][] tables = ReferenceOps.ropeTables(4, 4, 10000);
        float[] x = {1f, 0f, 0f, 0f}; // pair (x0, x2) = (1, 0) rotated by angle 3 * 1 (i = 0 has frequency 1)
        ReferenceOps.ropeHead(x, 0, 4, 3, tables[0], tables[1], null, 1e-6f);
        assertEquals(Bf16.round((float) Math.cos(3)), x[0]);
        assertEquals(Bf16.round((float) Math.sin(3)), x[2]);
    }

    @Test
    void renormalizedRouterWeightsSumToOneAndFollowTheLogits() {
        float[] logits = {0.1f, 2f, -1f, 1.5f};
        int[] ids = new int[2];
        float[] w = new float[2];
        ReferenceOps.router(logits, 1, 4, 2, true, ids, w);
        assertArrayEquals(new int[]{1, 3}, ids);
        assertEquals(1.0, w[0] + w[1], 1e-6);
        assertEquals(Math.exp(2) / (Math.exp(2) + Math.exp(1.5)), w[0], 1e-6);
    }

    @Test
    void attentionOverOneTokenReturnsItsValue() {
        int headDim = 4;
        float[] q = {1, 2, 3, 4};
        float[] k = new float[2 * headDim];
        float[] v = {0, 0, 0, 0, 5, 6, 7, 8}; // block size 1: physical block 1 holds the token
        float[] out = ReferenceOps.pagedAttention(q, k, v, new int[]{1}, new int[]{1}, 1, 1, 1, headDim, 1, 1,
                0.5f);
        assertArrayEquals(new float[]{5, 6, 7, 8}, out);
    }

    @Test
    void rmsNormOfAConstantRowIsTheWeight() {
        float[] x = {3, 3, 3, 3};
        float[] w = {1, 2, 0.5f, -1};
        float[] out = ReferenceOps.rmsNorm(x, null, w, 1, 4, 0f);
        assertArrayEquals(w, out);
    }
}
