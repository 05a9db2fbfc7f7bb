package io.moeplatform.inference.model;

/**
 * The forward pass of deepseek_v2 and deepseek_v3 over a {@link DeepSeekBackend}. Per step of T tokens (H =
 * hidden, s = {@link LatentAttentionShape}):
 *
 * <pre>
 * h = embed(tokens)                                                      [T, H]
 * for each layer:
 *   x  = rmsNorm(h)
 *   q  = x Wq^T, or (rmsNorm(x Wqa^T)) Wqb^T with q_lora               [T, heads * (nope + rope)]
 *   kv = x Wkva^T                                                        [T, kvLoraRank + rope]
 *   h += latentAttention(q, kv) Wo^T                                     (the cache keeps only the latent)
 *   x  = rmsNorm(h)
 *   h += dense SwiGLU(x), or routedExperts(x) + sharedExperts(x)
 * logits = lmHead(rmsNorm(h[last token of each slice]))
 * </pre>
 */
public final class DeepSeekDecoder implements Decoder {

    /** transformers builds q_a_layernorm and kv_a_layernorm with the RMSNorm default, not rms_norm_eps. */
    private static final float LATENT_NORM_EPS = 1e-6f;

    private final ModelConfig config;
    private final DeepSeekConfig deepSeek;
    private final DeepSeekWeights weights;
    private final DeepSeekBackend backend;
    private final RotaryEmbedding rope;

    public DeepSeekDecoder(ModelConfig config, DeepSeekWeights weights, DeepSeekBackend backend) {
        DeepSeekConfig d = config.deepSeek();
        if (d == null) {
            throw new IllegalArgumentException(config.architecture().modelType() + " is not a DeepSeek model");
        }
        this.config = config;
        this.deepSeek = d;
        this.weights = weights;
        this.backend = backend;
        this.rope = new RotaryEmbedding(config.rope(), d.attention().ropeDim(), config.maxPositions());
    }

    @Override
    public StepResult forward(StepBatch batch) {
        DeepSeekBackend b = backend;
        b.beginStep(batch);
        LatentAttentionShape s = deepSeek.attention();
        int hidden = config.hiddenSize();
        float eps = (float) config.rmsNormEps();
        Tensor h = b.activations(hidden);
        Tensor x = b.activations(hidden);
        Tensor q = b.activations(s.heads() * s.qkHeadDim());
        Tensor qa = deepSeek.qLoraRank() > 0 ? b.activations(deepSeek.qLoraRank()) : null;
        Tensor kv = b.activations(s.latentWidth());
        Tensor attended = b.activations(s.heads() * s.vDim());
        Tensor delta = b.activations(hidden);
        Tensor shared = b.activations(hidden);
        b.embed(weights.embedding(), h);
        for (int i = 0; i < weights.layers().size(); i++) {
            DeepSeekWeights.Layer l = weights.layers().get(i);
            b.rmsNorm(h, l.inputNorm(), eps, hidden, x);
            if (qa != null && l.qA() != null && l.qANorm() != null && l.qB() != null) {
                b.linear(x, l.qA(), null, qa);
                b.rmsNorm(qa, l.qANorm(), LATENT_NORM_EPS, deepSeek.qLoraRank(), qa);
                b.linear(qa, l.qB(), null, q);
            } else if (l.qProj() != null) {
                b.linear(x, l.qProj(), null, q);
            } else {
                throw new IllegalStateException("layer " + i + " has neither q_proj nor q_a_proj/q_b_proj");
            }
            b.linear(x, l.kvA(), null, kv);
            b.latentAttention(i, q, kv, l.kvANorm(), LATENT_NORM_EPS, l.kvB(), s, rope, attended);
            b.linear(attended, l.o(), null, delta);
            b.add(h, delta);
            b.rmsNorm(h, l.postAttentionNorm(), eps, hidden, x);
            if (l.moe() != null) {
                b.routedExperts(x, l.moe(), deepSeek.routing(), l.correctionBias(), delta);
                if (l.sharedExperts() != null) {
                    b.denseMlp(x, l.sharedExperts(), shared);
                    b.add(delta, shared);
                }
            } else if (l.mlp() != null) {
                b.denseMlp(x, l.mlp(), delta);
            }
            b.add(h, delta);
        }
        return b.logits(h, weights.finalNorm(), eps, weights.lmHead());
    }
}
