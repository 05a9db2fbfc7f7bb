package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.ModelExecutor;
import io.moeplatform.inference.model.ModelExecutorPagingTests;
import java.nio.file.Path;

class CpuModelExecutorPagingTests extends ModelExecutorPagingTests {

    @Override
    protected ModelExecutor open(Path modelDir, int blockSize, int blockCount) {
        return CpuModelExecutor.open(modelDir, new CpuExecutorOptions(2, blockSize, 0, blockCount, false));
    }
}
