package io.moeplatform.inference.model;

/**
 * Geometry of DeepSeek's multi-head latent attention (MLA). Every head's query is
 * {@code [nopeDim | ropeDim]}; keys and values of all heads come from one shared latent per token
 * {@code [kvLoraRank | ropeDim]} ({@code c_kv} after its RMSNorm, then the rotated shared key part
 * {@code k_pe}), which is all the KV cache keeps. {@code kv_b_proj [heads * (nopeDim + vDim), kvLoraRank]} expands
 * the latent into per-head {@code k_nope} (its first {@code nopeDim} rows per head) and {@code v} (the next
 * {@code vDim}).
 *
 * @param heads
 *            query heads (each with its own k_nope and v)
 * @param kvLoraRank
 *            width of the compressed latent {@code c_kv}
 * @param nopeDim
 *            {@code qk_nope_head_dim}: query/key dimensions without rotary embedding
 * @param ropeDim
 *            {@code qk_rope_head_dim}: rotated dimensions, the key part shared by all heads
 * @param vDim
 *            {@code v_head_dim}
 * @param scale
 *            factor of q·k before the softmax: {@code (nopeDim + ropeDim)^-0.5}, times {@code mscale^2} under YaRN
 *            with {@code mscale_all_dim}
 * @param interleavedRope
 *            rotary pairs are {@code (x[2i], x[2i+1])} (DeepSeek's layout) rather than {@code (x[i], x[i + d/2])}
 */
public record LatentAttentionShape(int heads, int kvLoraRank, int nopeDim, int ropeDim, int vDim, float scale,
        boolean interleavedRope) {

    /** Floats one token keeps in the cache per layer: the latent and the shared rotated key. */
    public int latentWidth() {
        return kvLoraRank + ropeDim;
    }

    /** {@code nopeDim + ropeDim}. */
    public int qkHeadDim() {
        return nopeDim + ropeDim;
    }
}
