package io.moeplatform.inference;

import java.nio.file.Path;
import java.util.List;

/**
 * The engine as the rest of the platform sees it. Implementations are
 * thread-safe.
 */
public interface InferenceService {

    /** The models this engine serves, with their backend and context length. */
    List<ModelInfo> models();

    /**
     * Tokenizer and chat template of a served model.
     *
     * @throws ModelNotFoundException
     *             when no served model has that id
     */
    PromptCodec codec(String modelId);

    /**
     * Queues a request for generation. Never blocks on the engine.
     *
     * @throws InvalidGenerationRequestException
     *             when the request cannot be served as given
     * @throws ModelNotFoundException
     *             when the model is not served
     * @throws EngineOverloadedException
     *             when the bounded queue is full
     */
    GenerationHandle submit(GenerationRequest request);

    /**
     * A consistent snapshot of the engine's live state, for health checks and the
     * console.
     */
    EngineStatus status();

    /**
     * Reads a PEFT LoRA adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors}) and checks
     * it against the served model, without making it available.
     *
     * @throws InvalidLoraAdapterException
     *             naming the field or tensor that does not fit, or when the model's backend has no LoRA support
     * @throws ModelNotFoundException
     *             when the model is not served
     */
    default LoraAdapterInfo validateLoraAdapter(String modelId, Path directory) {
        throw new InvalidLoraAdapterException("This inference service does not serve LoRA adapters", null);
    }

    /**
     * Validates the directory as {@link #validateLoraAdapter} does and makes it available to requests as
     * {@code adapterId} ({@link GenerationRequest#loraAdapterId()}); registering an id again replaces it for later
     * requests. The weights are loaded on first use.
     */
    default LoraAdapterInfo registerLoraAdapter(String modelId, String adapterId, Path directory) {
        throw new InvalidLoraAdapterException("This inference service does not serve LoRA adapters", null);
    }

    /** Makes {@code adapterId} unknown to later requests; requests in flight finish with it. */
    default void unregisterLoraAdapter(String modelId, String adapterId) {}
}
