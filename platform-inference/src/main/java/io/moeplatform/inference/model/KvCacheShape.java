package io.moeplatform.inference.model;

/**
 * What one cached token holds: K and V of {@code kvHeads x headDim} for every
 * layer.
 *
 * @param layers
 *            decoder layers
 * @param kvHeads
 *            key/value heads
 * @param headDim
 *            dimensions per head
 */
public record KvCacheShape(int layers, int kvHeads, int headDim) {

    /** fp32 bytes of K and V of one token over all layers. */
    public long bytesPerToken() {
        return 2L * layers * kvHeads * headDim * Float.BYTES;
    }
}
