package io.moeplatform.inference.cpu;

import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * fp32 vector kernels. Every dot product accumulates lane-wise in one vector
 * register in index order, then reduces: a token's result never depends on
 * which other tokens are in the batch.
 */
final class FloatVectors {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final List<VectorShuffle<Float>> FOLDS = folds();

    private FloatVectors() {}

    private static List<VectorShuffle<Float>> folds() {
        List<VectorShuffle<Float>> folds = new ArrayList<>();
        for (int step = L / 2; step >= 1; step /= 2) {
            int s = step;
            folds.add(VectorShuffle.fromOp(F, i -> (i + s) % L));
        }
        return List.copyOf(folds);
    }

    /** {@code sum_i a[ao + i] * b[bo + i]} for {@code i < n}. */
    static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            acc = FloatVector.fromArray(F, a, ao + i).fma(FloatVector.fromArray(F, b, bo + i), acc);
        }
        float s = sum(acc);
        for (; i < n; i++) {
            s += a[ao + i] * b[bo + i];
        }
        return s;
    }

    /**
     * Four dot products against one shared row {@code w}: {@code out[j] = x[xo_j ..] · w}
     * for rows {@code xo + j * stride}; each with exactly the arithmetic of
     * {@link #dot}.
     */
    static void dot4(float[] x, int xo, int stride, float[] w, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector wv = FloatVector.fromArray(F, w, i);
            a0 = FloatVector.fromArray(F, x, xo + i).fma(wv, a0);
            a1 = FloatVector.fromArray(F, x, xo + stride + i).fma(wv, a1);
            a2 = FloatVector.fromArray(F, x, xo + 2 * stride + i).fma(wv, a2);
            a3 = FloatVector.fromArray(F, x, xo + 3 * stride + i).fma(wv, a3);
        }
        float s0 = sum(a0);
        float s1 = sum(a1);
        float s2 = sum(a2);
        float s3 = sum(a3);
        for (; i < n; i++) {
            s0 += x[xo + i] * w[i];
            s1 += x[xo + stride + i] * w[i];
            s2 += x[xo + 2 * stride + i] * w[i];
            s3 += x[xo + 3 * stride + i] * w[i];
        }
        out[0] = s0;
        out[1] = s1;
        out[2] = s2;
        out[3] = s3;
    }

    /**
     * Lane sum in a fixed order (a pairwise tree). {@code reduceLanes} is not used because its
     * order differs between the interpreted and the compiled code, which would
     * make a token's logits depend on JIT state.
     */
    static float sum(FloatVector v) {
        // pairwise tree: lane i += lane i + L/2, then i + L/4, ...; lane 0 holds the total
        for (VectorShuffle<Float> fold : FOLDS) {
            v = v.add(v.rearrange(fold));
        }
        return v.lane(0);
    }

    /**
     * Eight dot products: four rows of {@code x} (at {@code xo + j * stride})
     * against two weight rows; {@code out[j]} against {@code w0},
     * {@code out[4 + j]} against {@code w1}. Each with exactly the arithmetic of
     * {@link #dot}; sharing the loads of x halves the memory traffic per FMA.
     */
    static void dot4x2(float[] x, int xo, int stride, float[] w0, float[] w1, int n, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        FloatVector b0 = a0;
        FloatVector b1 = a0;
        FloatVector b2 = a0;
        FloatVector b3 = a0;
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector v0 = FloatVector.fromArray(F, w0, i);
            FloatVector v1 = FloatVector.fromArray(F, w1, i);
            FloatVector x0 = FloatVector.fromArray(F, x, xo + i);
            FloatVector x1 = FloatVector.fromArray(F, x, xo + stride + i);
            FloatVector x2 = FloatVector.fromArray(F, x, xo + 2 * stride + i);
            FloatVector x3 = FloatVector.fromArray(F, x, xo + 3 * stride + i);
            a0 = x0.fma(v0, a0);
            a1 = x1.fma(v0, a1);
            a2 = x2.fma(v0, a2);
            a3 = x3.fma(v0, a3);
            b0 = x0.fma(v1, b0);
            b1 = x1.fma(v1, b1);
            b2 = x2.fma(v1, b2);
            b3 = x3.fma(v1, b3);
        }
        float[] s = {sum(a0), sum(a1), sum(a2), sum(a3), sum(b0), sum(b1), sum(b2), sum(b3)};
        for (; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                float xv = x[xo + j * stride + i];
                s[j] += xv * w0[i];
                s[4 + j] += xv * w1[i];
            }
        }
        System.arraycopy(s, 0, out, 0, 8);
    }

    /** {@code y[yo + i] += a * x[xo + i]}. */
    static void axpy(float a, float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        FloatVector av = FloatVector.broadcast(F, a);
        for (; i < upper; i += L) {
            FloatVector.fromArray(F, x, xo + i).fma(av, FloatVector.fromArray(F, y, yo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) {
            y[yo + i] += a * x[xo + i];
        }
    }

    /** {@code y[i] += x[i]}. */
    static void add(float[] y, float[] x, int n) {
        int i = 0;
        int upper = F.loopBound(n);
        for (; i < upper; i += L) {
            FloatVector.fromArray(F, y, i).add(FloatVector.fromArray(F, x, i)).intoArray(y, i);
        }
        for (; i < n; i++) {
            y[i] += x[i];
        }
    }
}
