package io.moeplatform.inference.lora;

/**
 * LoRA settings of an engine.
 *
 * @param maxLoaded
 *            adapters held in memory at once (least recently used ones are dropped beyond it)
 * @param maxRank
 *            highest r an adapter may have
 */
public record LoraOptions(int maxLoaded, int maxRank) {

    public static final LoraOptions DEFAULTS = new LoraOptions(8, 64);

    public LoraOptions {
        if (maxLoaded < 1 || maxRank < 1) {
            throw new IllegalArgumentException("LoRA max-loaded and max-rank must be at least 1, got " + maxLoaded
                    + " and " + maxRank);
        }
    }
}
