package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Converts one row of a stored weight to fp32. bf16 is the high half of an
 * fp32, so a row widens with a vector shift; f16 goes through the JDK's
 * (intrinsified) half-precision conversion.
 */
final class WeightRows {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED
            .withOrder(ByteOrder.LITTLE_ENDIAN);

    private WeightRows() {}

    /** Whether {@link #dot} reads this weight's dtype directly (else convert the row first). */
    static boolean hasFusedDot(CpuWeight w) {
        return w.dtype != DType.F16;
    }

    /**
     * {@code sum_i x[xo + i] * weight[row, i]} straight from the stored bf16/f32
     * row, with exactly the arithmetic of {@link FloatVectors#dot} over the
     * converted row (conversion is exact), so both paths give the same bits.
     */
    static float dot(CpuWeight w, int row, float[] x, int xo) {
        int n = w.columns();
        long base = (long) row * n;
        MemorySegment seg = w.data;
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int upper = F.loopBound(n);
        if (w.dtype == DType.BF16) {
            long byteBase = base * 2;
            for (; i < upper; i += F.length()) {
                ShortVector s = ShortVector.fromMemorySegment(S, seg, byteBase + 2L * i, ByteOrder.LITTLE_ENDIAN);
                FloatVector wv = ((IntVector) s.convertShape(VectorOperators.S2I, I, 0))
                        .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
                acc = FloatVector.fromArray(F, x, xo + i).fma(wv, acc);
            }
            float sum = FloatVectors.sum(acc);
            for (; i < n; i++) {
                sum += x[xo + i] * Float.intBitsToFloat(seg.getAtIndex(SHORT, base + i) << 16);
            }
            return sum;
        }
        long byteBase = base * 4;
        for (; i < upper; i += F.length()) {
            FloatVector wv = FloatVector.fromMemorySegment(F, seg, byteBase + 4L * i, ByteOrder.LITTLE_ENDIAN);
            acc = FloatVector.fromArray(F, x, xo + i).fma(wv, acc);
        }
        float sum = FloatVectors.sum(acc);
        for (; i < n; i++) {
            sum += x[xo + i] * seg.getAtIndex(FLOAT, base + i);
        }
        return sum;
    }

    /** {@code dst[dstOffset .. + columns) = fp32(weight[row, :])}. */
    static void load(CpuWeight w, int row, float[] dst, int dstOffset) {
        int n = w.columns();
        long base = (long) row * n;
        MemorySegment seg = w.data;
        switch (w.dtype) {
            case BF16 -> {
                long byteBase = base * 2;
                int i = 0;
                int upper = F.loopBound(n);
                for (; i < upper; i += F.length()) {
                    ShortVector s = ShortVector.fromMemorySegment(S, seg, byteBase + 2L * i, ByteOrder.LITTLE_ENDIAN);
                    IntVector wide = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
                    wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOffset + i);
                }
                for (; i < n; i++) {
                    dst[dstOffset + i] = Float.intBitsToFloat(seg.getAtIndex(SHORT, base + i) << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[dstOffset + i] = Float.float16ToFloat(seg.getAtIndex(SHORT, base + i));
                }
            }
            case F32 -> {
                long byteBase = base * 4;
                int i = 0;
                int upper = F.loopBound(n);
                for (; i < upper; i += F.length()) {
                    FloatVector.fromMemorySegment(F, seg, byteBase + 4L * i, ByteOrder.LITTLE_ENDIAN).intoArray(dst,
                            dstOffset + i);
                }
                for (; i < n; i++) {
                    dst[dstOffset + i] = seg.getAtIndex(FLOAT, base + i);
                }
            }
        }
    }
}
