package io.moeplatform.inference.model;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * One stored tensor: its bytes (a slice of a memory-mapped file, or generated
 * dummy weights) and how to read them. Row-major, {@code shape[0]} is the
 * slowest dimension.
 *
 * @param name
 *            hub name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype
 *            element type
 * @param shape
 *            dimensions
 * @param data
 *            exactly {@code product(shape) * dtype.bytes()} bytes, little-endian
 * @param file
 *            where the bytes come from (for error messages)
 */
public record WeightTensor(String name, DType dtype, long[] shape, MemorySegment data, Path file) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Rows of the tensor seen as a matrix (1 for a vector). */
    public int rows() {
        return shape.length == 1 ? 1 : Math.toIntExact(shape[0]);
    }

    /** Columns of the tensor seen as a matrix (the last dimension). */
    public int columns() {
        return Math.toIntExact(shape[shape.length - 1]);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
