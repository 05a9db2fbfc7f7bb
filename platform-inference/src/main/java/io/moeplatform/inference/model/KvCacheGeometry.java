package io.moeplatform.inference.model;

/**
 * The paged KV pool of an executor.
 *
 * @param blockSize
 *            tokens per block
 * @param blockCount
 *            blocks in the pool; block ids are {@code 0 .. blockCount-1}
 * @param bytesPerBlock
 *            memory one block takes over all layers (for metrics and sizing)
 */
public record KvCacheGeometry(int blockSize, int blockCount, long bytesPerBlock) {}
