package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.Tensor;

/** fp32 activations {@code [rows, columns]} on the heap, reused from step to step. */
final class CpuActivations implements Tensor {

    float[] data;
    int rows;
    private final int columns;

    CpuActivations(int rows, int columns) {
        this.rows = rows;
        this.columns = columns;
        this.data = new float[Math.max(1, rows * columns)];
    }

    /** Resizes for a step of {@code rows} tokens, keeping the array when it is large enough. */
    void reshape(int newRows) {
        rows = newRows;
        if (data.length < newRows * columns) {
            data = new float[newRows * columns];
        }
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
