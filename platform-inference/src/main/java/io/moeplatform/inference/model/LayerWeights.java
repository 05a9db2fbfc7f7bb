package io.moeplatform.inference.model;

import org.jspecify.annotations.Nullable;

/**
 * One decoder layer's weights.
 *
 * @param inputNorm
 *            RMSNorm before attention {@code [hidden]}
 * @param q
 *            {@code [heads*headDim, hidden]}
 * @param k
 *            {@code [kvHeads*headDim, hidden]}
 * @param v
 *            {@code [kvHeads*headDim, hidden]}
 * @param o
 *            {@code [hidden, heads*headDim]}
 * @param qBias
 *            or null
 * @param kBias
 *            or null
 * @param vBias
 *            or null
 * @param oBias
 *            or null
 * @param qNorm
 *            q RMSNorm ({@code [headDim]} per head or {@code [heads*headDim]}), or null
 * @param kNorm
 *            k RMSNorm, or null
 * @param postAttentionNorm
 *            RMSNorm before the feed-forward {@code [hidden]}
 * @param mlp
 *            dense feed-forward, or null for an MoE layer
 * @param moe
 *            MoE feed-forward, or null for a dense layer
 */
public record LayerWeights(Tensor inputNorm, Tensor q, Tensor k, Tensor v, Tensor o, @Nullable Tensor qBias,
        @Nullable Tensor kBias, @Nullable Tensor vBias, @Nullable Tensor oBias, @Nullable Tensor qNorm,
        @Nullable Tensor kNorm, Tensor postAttentionNorm, @Nullable MlpWeights mlp, @Nullable MoeWeights moe) {}
