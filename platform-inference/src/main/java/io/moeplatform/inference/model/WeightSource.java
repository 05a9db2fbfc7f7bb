package io.moeplatform.inference.model;

/**
 * Where an architecture's weights come from: a checkpoint on disk or generated
 * dummy weights.
 */
public interface WeightSource extends AutoCloseable {

    /**
     * The tensor for {@code spec}, checked against its expected shape.
     *
     * @throws ModelLoadException
     *             when it is missing or has another shape
     */
    WeightTensor tensor(TensorSpec spec);

    /** Releases mapped files or generated memory; tensors are invalid afterwards. */
    @Override
    void close();
}
