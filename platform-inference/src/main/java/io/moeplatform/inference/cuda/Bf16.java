package io.moeplatform.inference.cuda;

/**
 * bfloat16 on the host: the upper 16 bits of an IEEE fp32. Conversions round to nearest even, like
 * {@code __float2bfloat16_rn} on the device, so host and device agree bit for bit.
 */
public final class Bf16 {

    private Bf16() {}

    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    public static short fromFloat(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040); // NaN stays a (quiet) NaN
        }
        int roundingBias = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + roundingBias) >>> 16);
    }

    /** {@code v} rounded to the nearest bf16 value. */
    public static float round(float v) {
        return toFloat(fromFloat(v));
    }
}
