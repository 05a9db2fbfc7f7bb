package io.moeplatform.inference.sampling;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The O(V) passes of sampling over a logits vector {@code z[V]}, vectorized: they run once or twice per token over up
 * to 152k entries. Sums of {@code exp(z_i - max)} are accumulated in float lanes over chunks of {@value #CHUNK}
 * entries and the chunks in double, so a full vocabulary loses no more than ~1e-6 relative.
 */
final class LogitVectors {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int CHUNK = 1024;

    private LogitVectors() {}

    /** {@code z_i *= factor} in place. */
    static void scale(float[] z, float factor) {
        int i = 0;
        for (int bound = SPECIES.loopBound(z.length); i < bound; i += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, z, i).mul(factor).intoArray(z, i);
        }
        for (; i < z.length; i++) {
            z[i] *= factor;
        }
    }

    /** {@code sum_i exp(z_i - max)} over entries with {@code z_i >= floor}. */
    static double sumExp(float[] z, float max, float floor) {
        double total = 0;
        for (int start = 0; start < z.length; start += CHUNK) {
            total += chunkSum(z, start, Math.min(start + CHUNK, z.length), max, floor);
        }
        return total;
    }

    /**
     * The token where the running sum of {@code exp(z_i - max)} over entries with {@code z_i >= floor}, in id order,
     * first exceeds {@code target}; the last such token when rounding keeps the sum below it. Chunks are skipped by
     * their vectorized sum and only the chunk that crosses the target is walked token by token.
     */
    static int crossing(float[] z, float max, float floor, double target) {
        double cumulative = 0;
        int lastChunk = 0;
        for (int start = 0; start < z.length; start += CHUNK) {
            int end = Math.min(start + CHUNK, z.length);
            double sum = chunkSum(z, start, end, max, floor);
            if (sum > 0) {
                lastChunk = start;
            }
            if (cumulative + sum > target) {
                int token = walk(z, start, end, max, floor, target - cumulative);
                if (token >= 0) {
                    return token;
                }
            }
            cumulative += sum;
        }
        int last = lastEligible(z, lastChunk, Math.min(lastChunk + CHUNK, z.length), floor);
        return last >= 0 ? last : 0;
    }

    private static double chunkSum(float[] z, int start, int end, float max, float floor) {
        FloatVector acc = FloatVector.zero(SPECIES);
        int i = start;
        for (int bound = start + SPECIES.loopBound(end - start); i < bound; i += SPECIES.length()) {
            FloatVector v = FloatVector.fromArray(SPECIES, z, i);
            VectorMask<Float> kept = v.compare(VectorOperators.GE, floor);
            acc = acc.add(v.sub(max).lanewise(VectorOperators.EXP), kept);
        }
        double sum = acc.reduceLanes(VectorOperators.ADD);
        for (; i < end; i++) {
            if (z[i] >= floor) {
                sum += Math.exp(z[i] - max);
            }
        }
        return sum;
    }

    /** Token in [start, end) where the scalar running sum exceeds {@code target}, or -1. */
    private static int walk(float[] z, int start, int end, float max, float floor, double target) {
        double cumulative = 0;
        for (int i = start; i < end; i++) {
            if (z[i] >= floor) {
                cumulative += Math.exp(z[i] - max);
                if (cumulative > target) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static int lastEligible(float[] z, int start, int end, float floor) {
        for (int i = end - 1; i >= start; i--) {
            if (z[i] >= floor) {
                return i;
            }
        }
        return -1;
    }
}
