package io.moeplatform.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Bf16Tests {

    @Test
    void everyBf16ValueSurvivesARoundTrip() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Bf16.toFloat((short) bits);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(f))));
            } else {
                assertEquals(bits, Bf16.fromFloat(f) & 0xffff);
            }
        }
    }

    @Test
    void roundsHalfwayCasesToEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7 (bf16 keeps 7 fraction bits): even mantissa (1) wins.
        assertEquals(1.0f, Bf16.round(1f + 0x1p-8f));
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: the even one is 1 + 2^-6.
        assertEquals(1f + 0x1p-6f, Bf16.round(1f + 3 * 0x1p-8f));
        assertEquals(1f + 0x1p-7f, Bf16.round(1f + 0x1p-8f + 0x1p-20f));
    }

    @Test
    void keepsInfinitiesAndNaN() {
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, Bf16.round(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Bf16.round(Float.NaN)));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.round(Float.MAX_VALUE));
    }
}
