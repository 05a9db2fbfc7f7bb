package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.RandomWeights;
import io.moeplatform.inference.model.TensorSpec;
import io.moeplatform.inference.model.WeightSource;
import io.moeplatform.inference.model.WeightTensor;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * {@link RandomWeights} that keeps only the latest tensor in host memory: the backend copies each tensor to the
 * device before asking for the next, so a 60 GB dummy model never needs 60 GB of host memory. Values are the same
 * as {@link RandomWeights} with the same seed (the CPU backend's dummy model).
 */
final class StreamedRandomWeights implements WeightSource {

    private final long seed;
    private final Path origin;
    private @Nullable RandomWeights current;

    StreamedRandomWeights(long seed, Path origin) {
        this.seed = seed;
        this.origin = origin;
    }

    @Override
    public WeightTensor tensor(TensorSpec spec) {
        close();
        current = new RandomWeights(seed, origin);
        return current.tensor(spec);
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
