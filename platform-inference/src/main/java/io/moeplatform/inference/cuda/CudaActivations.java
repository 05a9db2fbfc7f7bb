package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.Tensor;

/**
 * bf16 activations {@code [tokens of the step, columns]} in a scratch buffer sized for the largest step; reused by
 * later steps with their own token count.
 */
final class CudaActivations implements Tensor {

    final DeviceBuffer memory;
    private final int columns;
    private int rows;

    CudaActivations(DeviceBuffer memory, int columns) {
        this.memory = memory;
        this.columns = columns;
    }

    void reshape(int tokens) {
        rows = tokens;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int columns() {
        return columns;
    }
}
