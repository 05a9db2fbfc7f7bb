package io.moeplatform.inference.model;

import org.jspecify.annotations.Nullable;

/**
 * The operations a decoder forward pass needs, implemented once per backend
 * (CPU now, CUDA later). Tensors are opaque handles owned by the backend;
 * activations are fp32 {@code [tokens of the step, features]}, one row per
 * token of the step in slice order. Operations are coarse (a whole norm,
 * projection, attention or MoE block) so that a GPU backend can implement each
 * with a few kernels.
 *
 * <p>
 * Lifecycle: {@link #weight} for every weight at load, then
 * {@link #allocateKvCache} once; per step {@link #beginStep}, the operations,
 * and {@link #logits} last. Not thread-safe.
 */
public interface ModelBackend extends AutoCloseable {

    /** {@code cpu} or {@code cuda}. */
    String name();

    /**
     * Makes a stored tensor available to the operations (wrap or upload). A 1-D
     * tensor becomes a {@code [1, n]} handle.
     */
    Tensor weight(WeightTensor source);

    /** Allocates the paged KV pool: {@code blockCount} blocks of {@code blockSize} tokens. */
    KvCacheGeometry allocateKvCache(KvCacheShape shape, int blockSize, int blockCount);

    /**
     * Starts a step over {@code batch}: the token ids, positions and block tables
     * that {@link #embed}, {@link #rotary}, {@link #pagedAttention} and
     * {@link #logits} use. Activations from the previous step are invalid.
     */
    void beginStep(StepBatch batch);

    /**
     * Scratch activations {@code [tokens of the step, columns]} for this step;
     * backends reuse the memory of earlier steps.
     */
    Tensor activations(int columns);

    /** {@code out[t] = table[token t]}. */
    void embed(Tensor table, Tensor out);

    /**
     * RMSNorm over groups of {@code groupSize} columns:
     * {@code out = x / sqrt(mean(x^2) + eps) * weight}. {@code groupSize} is the
     * row width for a whole-row norm, or the head size for per-head norms (the
     * weight then has {@code groupSize} entries shared by all heads). {@code out}
     * may be {@code x}.
     */
    void rmsNorm(Tensor x, Tensor weight, float eps, int groupSize, Tensor out);

    /** {@code out[t, n] = sum_k x[t, k] * weight[n, k] + bias[n]}. */
    void linear(Tensor x, Tensor weight, @Nullable Tensor bias, Tensor out);

    /** Rotates every head of {@code x} in place by each token's position (rotate-half layout). */
    void rotary(Tensor x, int headDim, RotaryEmbedding rope);

    /**
     * Writes this step's {@code k} and {@code v} into the slices' KV blocks of
     * {@code layer}, then causal attention of every query over all cached
     * positions of its sequence up to its own:
     * {@code out = softmax(q k^T * scale) v}.
     */
    void pagedAttention(int layer, Tensor q, Tensor k, Tensor v, AttentionShape shape, Tensor out);

    /** {@code out = down(silu(gate(x)) * up(x))}. */
    void denseMlp(Tensor x, MlpWeights mlp, Tensor out);

    /**
     * Router, top-k and the chosen experts, each computed only for the tokens
     * routed to it; see {@link MoeWeights}.
     */
    void sparseMoe(Tensor x, MoeWeights moe, Tensor out);

    /** {@code acc += x}. */
    void add(Tensor acc, Tensor x);

    /**
     * A hint that the next operation reads little memory and that {@code weight} is read right after it, so a
     * backend may start moving the weight closer to its compute units (the CUDA backend: into L2 during a batch-1
     * decode attention). Never changes a result; the default ignores it.
     */
    default void prefetch(Tensor weight) {}

    /**
     * Final norm and output projection for the last token of every slice that
     * asks for logits: {@code lmHead · rmsNorm(hidden[last], norm)}.
     */
    StepResult logits(Tensor hidden, Tensor norm, float eps, Tensor lmHead);

    /** Frees weights' device copies, the KV pool and scratch. */
    @Override
    void close();
}
