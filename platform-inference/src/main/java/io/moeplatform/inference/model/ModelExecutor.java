package io.moeplatform.inference.model;

import io.moeplatform.inference.GpuMemory;
import java.util.Optional;

/**
 * "Where the model runs": a loaded model on one backend (CPU or CUDA) that
 * computes forward passes over a batch of sequence slices, with the KV cache
 * living in the backend's memory. The scheduler decides which blocks of the KV
 * pool each sequence owns; the executor only reads and writes the blocks it is
 * given.
 *
 * <p>
 * Not thread-safe: one engine loop calls {@link #forward} at a time.
 */
public interface ModelExecutor extends AutoCloseable {

    /** Hugging Face {@code model_type}, e.g. {@code qwen3_moe}. */
    String architecture();

    /** Rows of the output logits (the model's {@code vocab_size}). */
    int vocabularySize();

    /** Longest sequence (prompt plus completion) the model supports. */
    int contextLength();

    /** {@code cpu} or {@code cuda}. */
    String backend();

    /**
     * Shape of the KV pool: tokens per block and number of blocks, fixed at load
     * time.
     */
    KvCacheGeometry kvCacheGeometry();

    /**
     * One forward pass over all slices of the batch: appends each slice's tokens to
     * its sequence's KV cache and returns logits for the last token of every slice
     * that asks for them.
     */
    StepResult forward(StepBatch batch);

    /**
     * Memory of the GPU the model runs on, for the engine status; empty for backends without a device (CPU). Safe to
     * call from any thread.
     */
    default Optional<GpuMemory> deviceMemory() {
        return Optional.empty();
    }

    /**
     * Whether {@link #forward} applies the LoRA adapters that slices name ({@link StepBatch#adapters()}); the CPU
     * backend does, the CUDA backend not yet.
     */
    default boolean supportsLoraAdapters() {
        return false;
    }

    @Override
    void close();
}
