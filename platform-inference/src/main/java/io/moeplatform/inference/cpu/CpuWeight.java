package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.DType;
import io.moeplatform.inference.model.Tensor;
import io.moeplatform.inference.model.WeightTensor;
import java.lang.foreign.MemorySegment;

/**
 * A weight in its stored dtype, read in place from the mapped checkpoint
 * ({@code [rows, columns]}, row-major). Rows are converted to fp32 on the fly
 * by the kernels; only 1-D weights (norms, biases) are kept as fp32 copies.
 */
final class CpuWeight implements Tensor {

    final MemorySegment data;
    final DType dtype;
    private final int rows;
    private final int columns;
    /** fp32 copy of small vector weights, which every token reads whole. */
    final float[] vector;

    CpuWeight(WeightTensor source) {
        this.data = source.data();
        this.dtype = source.dtype();
        this.rows = source.rows();
        this.columns = source.columns();
        if (rows == 1) {
            vector = new float[columns];
            WeightRows.load(this, 0, vector, 0);
        } else {
            vector = new float[0];
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
