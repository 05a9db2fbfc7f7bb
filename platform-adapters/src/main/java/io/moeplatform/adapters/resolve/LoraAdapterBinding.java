package io.moeplatform.adapters.resolve;

import io.moeplatform.adapters.catalog.AdapterView;

/**
 * The seam to LoRA support: turns a catalog adapter of kind LORA into the adapter id the engine applies
 * ({@code GenerationRequest.loraAdapterId}). Implemented by the LoRA registry as a Spring bean; when no bean
 * implements it, requests naming a LoRA adapter are refused with "LoRA adapters are not available on this server".
 */
public interface LoraAdapterBinding {

    /**
     * @param adapter an enabled LORA adapter of the caller's tenant that fits {@code model}
     * @return the engine's adapter id for this adapter and model
     * @throws io.moeplatform.adapters.catalog.AdapterException when the adapter cannot be applied (e.g. its
     *     weights are missing or do not match the model)
     */
    String engineAdapterId(AdapterView adapter, String model);
}
