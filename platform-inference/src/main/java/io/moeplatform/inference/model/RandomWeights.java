package io.moeplatform.inference.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * Deterministic random bf16 weights for any config (dummy-weights mode and the
 * demo model): the same seed and tensor name always give the same values.
 * Matrices are uniform with variance {@code 1 / in_features}, embeddings with
 * unit variance, norms are ones and biases small, so activations stay in a
 * sane range through every layer. Values are drawn by a counter-based hash of
 * (seed, name, index), so large tensors fill in parallel.
 */
public final class RandomWeights implements WeightSource {

    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long CHUNK = 1 << 20;

    private final long seed;
    private final Path origin;
    private final Arena arena = Arena.ofShared();

    /**
     * @param seed
     *            fixes every value
     * @param origin
     *            model directory named in messages
     */
    public RandomWeights(long seed, Path origin) {
        this.seed = seed;
        this.origin = origin;
    }

    @Override
    public WeightTensor tensor(TensorSpec spec) {
        long n = spec.elementCount();
        MemorySegment data = arena.allocate(n * 2, 64);
        Fill fill = fill(seed, spec);
        float amplitude = fill.amplitude();
        long nameSeed = fill.nameSeed();
        boolean ones = fill.ones();
        LongStream.range(0, (n + CHUNK - 1) / CHUNK).parallel().forEach(chunk -> {
            long end = Math.min(n, (chunk + 1) * CHUNK);
            for (long i = chunk * CHUNK; i < end; i++) {
                float value = ones ? 1f : amplitude * (2f * unit(mix(nameSeed + i)) - 1f);
                data.setAtIndex(BF16, i, toBf16(value));
            }
        });
        return new WeightTensor(spec.name(), DType.BF16, Arrays.copyOf(spec.shape(), spec.shape().length), data,
                origin);
    }

    /**
     * How the values of one tensor are drawn: element {@code i} is {@code bf16(amplitude * (2u - 1))} with
     * {@code u = (mix(nameSeed + i) >>> 40) * 2^-24}, or 1 for norms ({@code ones}). A GPU backend generates the same
     * values in place from this (no host-side generation, no upload).
     */
    public record Fill(long nameSeed, float amplitude, boolean ones) {}

    /** The draw of {@code spec}'s values under {@code seed}. */
    public static Fill fill(long seed, TensorSpec spec) {
        long nameSeed = mix(seed ^ spec.name().hashCode() * 0x9E3779B97F4A7C15L);
        double std = switch (spec.role()) {
            case EMBEDDING -> 1.0;
            case MATRIX -> 1.0 / Math.sqrt(spec.shape()[spec.shape().length - 1]);
            case BIAS -> 0.02;
            case NORM -> 0.0;
        };
        // uniform on [-a, a] has variance a^2 / 3
        return new Fill(nameSeed, (float) (std * Math.sqrt(3)), spec.role() == TensorSpec.Role.NORM);
    }

    /** Round-to-nearest-even conversion of fp32 to bf16 bits. */
    static short toBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
    }

    private static float unit(long hash) {
        return (hash >>> 40) * 0x1.0p-24f;
    }

    /** SplitMix64 finalizer: a well-mixed 64-bit hash of {@code z}. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {
        arena.close();
    }
}
