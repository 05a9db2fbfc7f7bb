package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.Tensor;

/**
 * A weight in device memory as bf16 {@code [rows, columns]}, row-major (a 1-D weight is {@code [1, n]}).
 *
 * @param memory
 *            the bf16 elements, 256-byte aligned
 */
record CudaWeight(DeviceSlice memory, int rows, int columns) implements Tensor {}
