/**
 * CUDA backend foundations: Java FFM bindings to the CUDA driver API ({@code libcuda.so.1}) and cuBLAS, device memory
 * with owned lifetimes, streams, events and graphs, and the engine's own kernels, compiled by nvcc at build time into
 * one fatbin resource ({@code moe-kernels.fatbin}) and loaded with {@code cuModuleLoadData}.
 *
 * <p>
 * Start with {@link io.moeplatform.inference.cuda.CudaAvailability}: it says whether this machine can run the backend
 * and, if not, why.
 */
@NullMarked
package io.moeplatform.inference.cuda;

import org.jspecify.annotations.NullMarked;
