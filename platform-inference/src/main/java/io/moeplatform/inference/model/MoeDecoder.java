package io.moeplatform.inference.model;

/**
 * The forward pass shared by qwen3_moe, qwen2_moe, mixtral and olmoe, written
 * against {@link ModelBackend}. Per step of T tokens (H = hidden, Q = heads x
 * headDim, KV = kvHeads x headDim):
 *
 * <pre>
 * h = embed(tokens)                                     [T, H]
 * for each layer:
 *   x = rmsNorm(h)                                      [T, H]
 *   q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv     [T, Q], [T, KV], [T, KV]
 *   q, k = qkNorm(q), qkNorm(k)        (qwen3: per head; olmoe: whole projection)
 *   q, k = rope(q), rope(k)
 *   h += pagedAttention(q, k, v) Wo^T                   [T, H]
 *   h += ffn(rmsNorm(h))               (dense SwiGLU or MoE, per layer)
 * logits = lmHead(rmsNorm(h[last token of each slice]))
 * </pre>
 *
 * With {@link LowRankUpdates}, each adapted projection of a row with a LoRA adapter becomes
 * {@code y = x W^T + b + scale * B (A x)}; the feed-forward block goes through the updates' own SwiGLU when some row
 * adapts it in that layer.
 */
public final class MoeDecoder implements Decoder {

    private final ModelConfig config;
    private final DecoderWeights weights;
    private final ModelBackend backend;
    private final RotaryEmbedding rope;
    private final AttentionShape attention;
    private final LowRankUpdates lora;

    public MoeDecoder(ModelConfig config, DecoderWeights weights, ModelBackend backend) {
        this(config, weights, backend, LowRankUpdates.NONE);
    }

    public MoeDecoder(ModelConfig config, DecoderWeights weights, ModelBackend backend, LowRankUpdates lora) {
        this.lora = lora;
        this.config = config;
        this.weights = weights;
        this.backend = backend;
        this.rope = new RotaryEmbedding(config.rope(), config.headDim(), config.maxPositions());
        this.attention = new AttentionShape(config.heads(), config.kvHeads(), config.headDim(),
                (float) (1.0 / Math.sqrt(config.headDim())));
    }

    @Override
    public StepResult forward(StepBatch batch) {
        ModelBackend b = backend;
        b.beginStep(batch);
        lora.beginStep(batch);
        int qDim = config.heads() * config.headDim();
        int kvDim = config.kvHeads() * config.headDim();
        float eps = (float) config.rmsNormEps();
        Tensor h = b.activations(config.hiddenSize());
        Tensor x = b.activations(config.hiddenSize());
        Tensor q = b.activations(qDim);
        Tensor k = b.activations(kvDim);
        Tensor v = b.activations(kvDim);
        Tensor attended = b.activations(qDim);
        Tensor delta = b.activations(config.hiddenSize());
        b.embed(weights.embedding(), h);
        for (int i = 0; i < weights.layers().size(); i++) {
            LayerWeights l = weights.layers().get(i);
            b.rmsNorm(h, l.inputNorm(), eps, config.hiddenSize(), x);
            b.linear(x, l.q(), l.qBias(), q);
            b.linear(x, l.k(), l.kBias(), k);
            b.linear(x, l.v(), l.vBias(), v);
            lora.add(i, AdaptedModule.Q_PROJ, x, q);
            lora.add(i, AdaptedModule.K_PROJ, x, k);
            lora.add(i, AdaptedModule.V_PROJ, x, v);
            if (l.qNorm() != null && l.kNorm() != null) {
                boolean perHead = config.architecture().qkNorm() == Architecture.QkNorm.PER_HEAD;
                b.rmsNorm(q, l.qNorm(), eps, perHead ? config.headDim() : qDim, q);
                b.rmsNorm(k, l.kNorm(), eps, perHead ? config.headDim() : kvDim, k);
            }
            b.rotary(q, config.headDim(), rope);
            b.rotary(k, config.headDim(), rope);
            // attention and the router read little memory: the weights after them can move closer meanwhile
            b.prefetch(l.o());
            if (l.moe() != null) {
                b.prefetch(l.moe().router());
            }
            b.pagedAttention(i, q, k, v, attention, attended);
            b.linear(attended, l.o(), l.oBias(), delta);
            lora.add(i, AdaptedModule.O_PROJ, attended, delta);
            b.add(h, delta);
            b.rmsNorm(h, l.postAttentionNorm(), eps, config.hiddenSize(), x);
            boolean adapted = lora.adaptsMlp(i);
            if (l.moe() != null) {
                if (adapted) {
                    lora.sparseMoe(i, x, l.moe(), delta);
                } else {
                    if (i + 1 < weights.layers().size()) {
                        LayerWeights next = weights.layers().get(i + 1);
                        b.prefetch(next.q());
                        b.prefetch(next.k());
                        b.prefetch(next.v());
                    }
                    b.sparseMoe(x, l.moe(), delta);
                }
            } else if (l.mlp() != null) {
                if (adapted) {
                    lora.denseMlp(i, x, l.mlp(), delta);
                } else {
                    b.denseMlp(x, l.mlp(), delta);
                }
            }
            b.add(h, delta);
        }
        return b.logits(h, weights.finalNorm(), eps, weights.lmHead());
    }
}
