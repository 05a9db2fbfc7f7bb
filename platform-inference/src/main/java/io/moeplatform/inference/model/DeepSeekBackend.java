package io.moeplatform.inference.model;

import org.jspecify.annotations.Nullable;

/**
 * The operations {@link DeepSeekDecoder} needs beyond {@link ModelBackend}: multi-head latent attention over a
 * latent KV cache ({@link KvCacheShape#latent}) and DeepSeekMoE routing. Only backends that implement them run
 * deepseek_v2 / deepseek_v3 models (the CPU backend now).
 */
public interface DeepSeekBackend extends ModelBackend {

    /**
     * MLA of one layer, per token {@code t} of the step (s = {@code shape}, H = heads):
     *
     * <pre>
     * c_t     = rmsNorm(compressedKv[t, :kvLoraRank], kvNorm, eps)          [kvLoraRank]
     * kpe_t   = rope(compressedKv[t, kvLoraRank:])                           [ropeDim]
     * cache[layer, position t] = [c_t | kpe_t]                              (the latent, all the cache keeps)
     * for each head h:  q[t, h] = [qn | qp], qp = rope(qp)                   [nopeDim], [ropeDim]
     *   qc    = qn · Wuk_h          (Wuk_h = kvB rows h*(nopeDim+vDim) ..+nopeDim)      [kvLoraRank]
     *   p_j   = softmax_j((qc · c_j + qp · kpe_j) * scale)   over cached positions j &lt;= position t
     *   o     = sum_j p_j c_j                                                           [kvLoraRank]
     *   out[t, h] = Wuv_h · o       (Wuv_h = the next vDim rows of kvB)                [vDim]
     * </pre>
     *
     * which equals attention with {@code k_h = [Wuk_h c | kpe]} and {@code v_h = Wuv_h c} expanded per head
     * (the "absorbed" form: kv_b_proj folded into the query and output sides).
     *
     * @param q
     *            {@code [T, heads * (nopeDim + ropeDim)]}, rotary part not yet rotated
     * @param compressedKv
     *            {@code kv_a_proj_with_mqa} output {@code [T, kvLoraRank + ropeDim]}
     * @param kvNorm
     *            {@code kv_a_layernorm} weight
     * @param kvB
     *            {@code kv_b_proj [heads * (nopeDim + vDim), kvLoraRank]}
     * @param out
     *            {@code [T, heads * vDim]}
     */
    void latentAttention(int layer, Tensor q, Tensor compressedKv, Tensor kvNorm, float eps, Tensor kvB,
            LatentAttentionShape shape, RotaryEmbedding rope, Tensor out);

    /**
     * {@code out[t] = sum over chosen experts e of w[t, e] * expert_e(x[t])}, with the experts and weights that
     * {@code routing} picks from {@code router(x)} (and {@code correctionBias} for noaux_tc). Only routed experts:
     * the caller adds the shared experts.
     */
    void routedExperts(Tensor x, MoeWeights moe, ExpertRouting routing, @Nullable Tensor correctionBias,
            Tensor out);
}
