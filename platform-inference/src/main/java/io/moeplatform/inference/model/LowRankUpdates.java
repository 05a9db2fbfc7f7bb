package io.moeplatform.inference.model;

/**
 * Per-row LoRA updates of a step, computed beside the backend's projections (a separate component so that backends
 * without LoRA need nothing). Each row uses the adapter of its slice ({@link StepBatch#adapters()}); rows without
 * one are left exactly as the backend computed them.
 */
public interface LowRankUpdates {

    /** For backends without LoRA: every method is a no-op and {@link #adaptsMlp} is false. */
    LowRankUpdates NONE = new LowRankUpdates() {
        @Override
        public void beginStep(StepBatch batch) {}

        @Override
        public void add(int layer, AdaptedModule module, Tensor x, Tensor out) {}

        @Override
        public boolean adaptsMlp(int layer) {
            return false;
        }

        @Override
        public void denseMlp(int layer, Tensor x, MlpWeights mlp, Tensor out) {
            throw new IllegalStateException("no LoRA adapters");
        }

        @Override
        public void sparseMoe(int layer, Tensor x, MoeWeights moe, Tensor out) {
            throw new IllegalStateException("no LoRA adapters");
        }
    };

    /** Groups this step's rows by adapter; called after the backend's {@code beginStep}. */
    void beginStep(StepBatch batch);

    /** {@code out[t] += scale_a * B_a (A_a x[t])} for every row t whose adapter a adapts {@code module} of the layer. */
    void add(int layer, AdaptedModule module, Tensor x, Tensor out);

    /** Whether some row of the step adapts the feed-forward block of {@code layer}. */
    boolean adaptsMlp(int layer);

    /** The backend's {@code denseMlp} with each row's gate/up/down updates. */
    void denseMlp(int layer, Tensor x, MlpWeights mlp, Tensor out);

    /** The backend's {@code sparseMoe} with each row's shared-expert gate/up/down updates. */
    void sparseMoe(int layer, Tensor x, MoeWeights moe, Tensor out);
}
