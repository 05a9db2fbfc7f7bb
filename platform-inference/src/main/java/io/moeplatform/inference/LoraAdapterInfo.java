package io.moeplatform.inference;

import java.util.List;

/**
 * What the engine found in a valid PEFT LoRA adapter.
 *
 * @param rank
 *            r
 * @param alpha
 *            lora_alpha
 * @param rsLora
 *            scale {@code alpha / sqrt(r)} instead of {@code alpha / r}
 * @param targetModules
 *            adapted modules, e.g. {@code q_proj}, in the engine's order
 * @param adaptedProjections
 *            number of (layer, module) pairs with A and B
 * @param bytes
 *            fp32 bytes the adapter takes once loaded
 */
public record LoraAdapterInfo(int rank, double alpha, boolean rsLora, List<String> targetModules,
        int adaptedProjections, long bytes) {

    public LoraAdapterInfo {
        targetModules = List.copyOf(targetModules);
    }
}
