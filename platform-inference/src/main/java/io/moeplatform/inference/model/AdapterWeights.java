package io.moeplatform.inference.model;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A loaded LoRA adapter: its low-rank weights per (layer, module), already validated against the served model.
 * Immutable, so steps on the engine loop read it while other threads load other adapters.
 */
public final class AdapterWeights {

    private final String id;
    private final LowRankWeights[][] byLayer;
    private final boolean[] adaptsMlp;
    private final long bytes;

    /**
     * @param weights
     *            per layer index, the adapted modules of that layer
     */
    public AdapterWeights(String id, int layers, Map<Integer, Map<AdaptedModule, LowRankWeights>> weights) {
        this.id = id;
        this.byLayer = new LowRankWeights[layers][AdaptedModule.values().length];
        this.adaptsMlp = new boolean[layers];
        long total = 0;
        for (var layer : weights.entrySet()) {
            for (var module : layer.getValue().entrySet()) {
                byLayer[layer.getKey()][module.getKey().ordinal()] = module.getValue();
                adaptsMlp[layer.getKey()] |= module.getKey().mlp();
                total += module.getValue().bytes();
            }
        }
        this.bytes = total;
    }

    public String id() {
        return id;
    }

    /** The low-rank weights of one projection, or null when the adapter leaves it alone. */
    public @Nullable LowRankWeights get(int layer, AdaptedModule module) {
        return byLayer[layer][module.ordinal()];
    }

    /** Whether the adapter changes the feed-forward block (dense MLP or shared expert) of {@code layer}. */
    public boolean adaptsMlp(int layer) {
        return adaptsMlp[layer];
    }

    /** Bytes of all A and B matrices. */
    public long bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "LoRA adapter " + id;
    }
}
