package io.moeplatform.inference.model;

/**
 * What one cached token holds per layer: K and V of {@code kvHeads x headDim}, or, for multi-head latent attention,
 * one latent vector of {@code headDim} floats ({@code kv_lora_rank + qk_rope_head_dim}) from which every head's K
 * and V are computed.
 *
 * @param layers
 *            decoder layers
 * @param kvHeads
 *            key/value heads (1 for a latent cache)
 * @param headDim
 *            dimensions per head (the latent's width for a latent cache)
 * @param latent
 *            the token keeps one latent vector instead of separate K and V
 */
public record KvCacheShape(int layers, int kvHeads, int headDim, boolean latent) {

    /** A full K/V cache. */
    public KvCacheShape(int layers, int kvHeads, int headDim) {
        this(layers, kvHeads, headDim, false);
    }

    /** An MLA cache: one latent of {@code width} floats per token and layer. */
    public static KvCacheShape latent(int layers, int width) {
        return new KvCacheShape(layers, 1, width, true);
    }

    /** Floats one token keeps per layer. */
    public int floatsPerLayer() {
        return (latent ? 1 : 2) * kvHeads * headDim;
    }

    /** fp32 bytes of one token over all layers. */
    public long bytesPerToken() {
        return (long) layers * floatsPerLayer() * Float.BYTES;
    }
}
