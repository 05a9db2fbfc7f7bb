package io.moeplatform.inference.model;

/**
 * What one token costs a model in bf16: the bytes a decode step must read and the FLOPs a prefill must do, from the
 * config alone. Benchmarks print these rooflines next to their measurements (docs/performance.md, "Method").
 *
 * @param nonExpertBytes
 *            every weight a decode step reads in full: attention, norms, routers, shared experts and dense MLPs,
 *            the lm_head (the embedding is a gather of a few rows, not counted)
 * @param expertBytes
 *            one routed expert (gate, up, down)
 * @param sparseLayers
 *            layers with routed experts
 * @param kvBytesPerToken
 *            K and V of one token over all layers (MLA: the latent)
 * @param activeLayerParams
 *            weights one token multiplies with across the layers (attention, router, its top-k experts, shared
 *            experts or dense MLPs), without the lm_head
 */
public record ModelFootprint(long nonExpertBytes, long expertBytes, int sparseLayers, long kvBytesPerToken,
        long activeLayerParams, int experts, int expertsPerToken, long lmHeadParams, long attentionWidth,
        int layers) {

    private static final int BF16 = 2;

    public static ModelFootprint of(ModelConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        long params = 0;
        long active = 0;
        int sparse = 0;
        long attentionParams = h * q * 2 + h * kv * 2;
        long kvPerToken = 2L * c.layers() * kv * BF16;
        DeepSeekConfig d = c.deepSeek();
        if (d != null) {
            // MLA: q (direct or through q_lora), kv_a, kv_b, o; the cache keeps the latent only
            LatentAttentionShape a = d.attention();
            long qk = (long) a.heads() * a.qkHeadDim();
            attentionParams = (d.qLoraRank() > 0 ? h * d.qLoraRank() + (long) d.qLoraRank() * qk : h * qk)
                    + h * a.latentWidth() + (long) a.kvLoraRank() * a.heads() * (a.nopeDim() + a.vDim())
                    + (long) a.heads() * a.vDim() * h;
            kvPerToken = (long) c.layers() * a.latentWidth() * BF16;
        }
        for (int l = 0; l < c.layers(); l++) {
            long attention = attentionParams;
            params += attention + 2 * h;
            active += attention;
            if (c.isSparse(l)) {
                sparse++;
                long router = (long) c.experts() * h;
                long shared = c.sharedExpertIntermediateSize() > 0
                        ? 3 * h * c.sharedExpertIntermediateSize() + (d == null ? h : 0)
                        : 0;
                params += router + shared;
                active += router + shared + (long) c.expertsPerToken() * 3 * h * c.expertIntermediateSize();
            } else {
                params += 3 * h * c.intermediateSize();
                active += 3 * h * c.intermediateSize();
            }
        }
        long lmHead = (long) c.vocabularySize() * h;
        params += lmHead + h;
        return new ModelFootprint(params * BF16, 3 * h * c.expertIntermediateSize() * BF16, sparse,
                kvPerToken, active, c.experts(), c.expertsPerToken(), lmHead, q, c.layers());
    }

    /**
     * Distinct experts per sparse layer that a batch of {@code tokens} touches when each token picks its top-k
     * uniformly at random: {@code E * (1 - (1 - k/E)^tokens)}. Random weights route close to uniformly; real
     * checkpoints skew and touch fewer.
     */
    public double expectedExpertsPerLayer(int tokens) {
        if (experts == 0) {
            return 0;
        }
        return experts * (1 - Math.pow(1 - (double) expertsPerToken / experts, tokens));
    }

    /**
     * Bytes one decode step of {@code batch} sequences reads: the non-expert weights, the experts touched
     * ({@code expertsPerLayer} per sparse layer) and the KV cache of {@code averageContext} tokens per sequence.
     */
    public double decodeStepBytes(int batch, double expertsPerLayer, double averageContext) {
        return nonExpertBytes + expertsPerLayer * sparseLayers * expertBytes + batch * averageContext
                * kvBytesPerToken;
    }

    /**
     * FLOPs of prefilling one prompt of {@code tokens}: {@code 2 * activeLayerParams} per token, causal attention
     * ({@code q·k} and {@code p·v}: {@code 2 * 2 * tokens^2 / 2 * attentionWidth} per layer) and the lm_head for the
     * last token.
     */
    public double prefillFlops(int tokens) {
        return 2.0 * activeLayerParams * tokens + 2.0 * tokens * tokens * attentionWidth * layers
                + 2.0 * lmHeadParams;
    }
}
