package io.moeplatform.inference.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** The {@code void** kernelParams} layout that cuLaunchKernel reads, built without a GPU. */
class KernelArgsTests {

    @Test
    void eachParameterPointsAtItsValueInTheKernelsWidth() {
        var args = new KernelArgs().ptr(new DeviceSlice(0x7f00_0000_1000L, 64)).ptr(null).i32(-7).i64(1L << 40)
                .f32(0.125f);
        MemorySegment params = args.pack().reinterpret(5 * ADDRESS.byteSize());
        assertThat(value(params, 0).get(JAVA_LONG, 0)).isEqualTo(0x7f00_0000_1000L);
        assertThat(value(params, 1).get(JAVA_LONG, 0)).isZero();
        assertThat(value(params, 2).get(JAVA_INT, 0)).isEqualTo(-7);
        assertThat(value(params, 3).get(JAVA_LONG, 0)).isEqualTo(1L << 40);
        assertThat(value(params, 4).get(JAVA_FLOAT, 0)).isEqualTo(0.125f);
    }

    @Test
    void aLaterLaunchOverwritesTheThreadsBufferWithItsOwnValues() {
        new KernelArgs().i32(1).i32(2).pack();
        MemorySegment params = new KernelArgs().i32(3).pack().reinterpret(ADDRESS.byteSize());
        assertThat(value(params, 0).get(JAVA_INT, 0)).isEqualTo(3);
    }

    @Test
    void rejectsMoreArgumentsThanTheBufferHolds() {
        var args = new KernelArgs();
        for (int i = 0; i < 65; i++) {
            args.i32(i);
        }
        assertThatThrownBy(args::pack).hasMessageContaining("at most 64");
    }

    @Test
    void slicesStayInsideTheirMemory() {
        var memory = new DeviceSlice(4096, 1024);
        assertThat(memory.slice(256, 512)).isEqualTo(new DeviceSlice(4096 + 256, 512));
        assertThatThrownBy(() -> memory.slice(768, 512)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> memory.slice(-1, 8)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    private static MemorySegment value(MemorySegment params, int i) {
        return params.getAtIndex(ADDRESS, i).reinterpret(8);
    }
}
