package io.moeplatform.inference.cuda;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A GPU context ({@link GpuFixture}) and the step kernels ({@link StepKernels}) for each test, closed after it. */
abstract class StepKernelsGpuTest {

    GpuFixture gpu;
    StepKernels step;

    @BeforeEach
    void open() {
        gpu = new GpuFixture();
        step = new StepKernels(gpu.context);
    }

    @AfterEach
    void close() {
        if (step != null) {
            step.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }
}
