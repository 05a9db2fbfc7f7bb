package io.moeplatform.inference.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code l2_prefetch} sits between kernels of a decode step that depend on each other: it must keep the chain of
 * grid waits intact (a kernel after it sees everything the kernel before it wrote), accept ranges of any alignment
 * and size (the bulk prefetch wants 16-byte multiples), and write nothing.
 */
@Tag("gpu")
class L2PrefetchGpuTests extends StepKernelsGpuTest {

    @Test
    void kernelsOnEitherSideOfAPrefetchStayOrdered() {
        int n = 1 << 20;
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        DeviceBuffer acc = gpu.bf16(new float[n]);
        DeviceBuffer x = gpu.bf16(ones);
        DeviceBuffer weights = gpu.bf16(gpu.randomBf16(3 << 20, 1.0));
        float[] before = gpu.readBf16(weights, 3 << 20);
        int rounds = 200; // bf16 counts exactly up to 256
        for (int r = 0; r < rounds; r++) {
            step.add(acc, x, n, gpu.stream);
            List<DeviceMemory> ranges = r % 2 == 0
                    ? List.of(weights.slice(3, 1_000_001), weights.slice(4096, 0), weights.slice(16, 2_000_000),
                            weights)
                    : List.of(weights.slice(1, 15));
            step.prefetchL2(ranges, gpu.context.info().multiprocessors(), r % 3 == 0, gpu.stream);
        }
        float[] sums = gpu.readBf16(acc, n);
        for (int i = 0; i < n; i += 4099) {
            assertThat(sums[i]).as("element %d after %d adds with prefetches between them", i, rounds)
                    .isEqualTo((float) rounds);
        }
        assertThat(gpu.readBf16(weights, 3 << 20)).as("prefetched memory is left as it was").isEqualTo(before);
    }
}
