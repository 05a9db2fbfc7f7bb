/**
 * The pure-Java backend: {@link io.moeplatform.inference.cpu.CpuModelExecutor}
 * runs the model's forward pass with the Vector API over memory-mapped
 * bf16/f16/f32 weights, fp32 activations and a paged fp32 KV cache on the heap.
 */
@NullMarked
package io.moeplatform.inference.cpu;

import org.jspecify.annotations.NullMarked;
