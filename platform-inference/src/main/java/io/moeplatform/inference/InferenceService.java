package io.moeplatform.inference;

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
}
