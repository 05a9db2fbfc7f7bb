package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.DType;
import io.moeplatform.inference.model.RandomWeights;
import io.moeplatform.inference.model.TensorSpec;
import io.moeplatform.inference.model.WeightSource;
import io.moeplatform.inference.model.WeightTensor;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Dummy weights that the GPU generates in place: {@link #tensor} hands out a tensor without host data, and
 * {@link CudaBackend#weight} fills its device copy with the same values {@link RandomWeights} would give for that
 * seed (the CPU backend's dummy model), by the {@code fill_random_bf16} kernel. A 60 GB model then loads in seconds
 * instead of spending minutes generating random numbers on the host and copying them over.
 */
final class DeviceRandomWeights implements WeightSource {

    private final long seed;
    private final Path origin;
    private @Nullable WeightTensor issued;
    private @Nullable TensorSpec issuedSpec;

    DeviceRandomWeights(long seed, Path origin) {
        this.seed = seed;
        this.origin = origin;
    }

    @Override
    public WeightTensor tensor(TensorSpec spec) {
        issued = new WeightTensor(spec.name(), DType.BF16, Arrays.copyOf(spec.shape(), spec.shape().length),
                MemorySegment.NULL, origin);
        issuedSpec = spec;
        return issued;
    }

    /** How to generate {@code t} on the device, or null when {@code t} is not the tensor this source handed out last. */
    RandomWeights.@Nullable Fill fillOf(WeightTensor t) {
        return t == issued && issuedSpec != null ? RandomWeights.fill(seed, issuedSpec) : null;
    }

    @Override
    public void close() {
        issued = null;
        issuedSpec = null;
    }
}
