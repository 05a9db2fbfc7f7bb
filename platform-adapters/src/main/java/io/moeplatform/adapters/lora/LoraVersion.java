package io.moeplatform.adapters.lora;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One stored version of a LoRA adapter's weights and what the engine found in them (the console's stats).
 *
 * @param adapterId the catalog adapter
 * @param baseModel the served model it was validated against, the only one it is applied to
 * @param rank r
 * @param alpha lora_alpha
 * @param rsLora whether the scale is {@code alpha / sqrt(r)} instead of {@code alpha / r}
 * @param targetModules adapted modules ({@code q_proj}, ...) in the engine's order
 * @param adaptedProjections (layer, module) pairs with weights
 * @param sizeBytes bytes of the stored files
 * @param loadedBytes fp32 bytes the engine holds once the adapter is loaded
 * @param weightsSha256 hex SHA-256 of {@code adapter_model.safetensors}
 */
public record LoraVersion(UUID id, UUID adapterId, int version, String baseModel, int rank, double alpha,
        boolean rsLora, List<String> targetModules, int adaptedProjections, long sizeBytes, long loadedBytes,
        String weightsSha256, String createdBy, Instant createdAt) {

    public LoraVersion {
        targetModules = List.copyOf(targetModules);
    }

    /**
     * The id the engine knows this version by on every replica; a new version gets a new id, so requests never mix
     * the weights of two uploads.
     */
    public String engineAdapterId() {
        return adapterId + "-v" + version;
    }
}
