package io.moeplatform.inference.model;

/**
 * Opaque handle to a tensor that lives in a backend's memory (heap or native
 * memory for the CPU backend, device memory for CUDA). Model code passes
 * handles to {@link ModelBackend} operations and never reads their contents.
 */
public interface Tensor {

    /** Rows (tokens for activations, output features for weights). */
    int rows();

    /** Columns (features for activations, input features for weights). */
    int columns();
}
