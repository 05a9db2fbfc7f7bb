package io.moeplatform.inference.model;

import java.util.Arrays;

/**
 * A tensor an architecture expects in a checkpoint.
 *
 * @param name
 *            hub name
 * @param shape
 *            expected dimensions
 * @param role
 *            what the tensor is for (decides how dummy weights are drawn)
 */
public record TensorSpec(String name, long[] shape, Role role) {

    /** What a tensor is for. */
    public enum Role {
        /** token embedding table: unit-variance rows */
        EMBEDDING,
        /** linear layer weight {@code [out, in]}: variance {@code 1 / in} */
        MATRIX,
        /** RMSNorm scale: ones */
        NORM,
        /** linear layer bias: small */
        BIAS
    }

    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    @Override
    public String toString() {
        return name + " " + Arrays.toString(shape);
    }
}
