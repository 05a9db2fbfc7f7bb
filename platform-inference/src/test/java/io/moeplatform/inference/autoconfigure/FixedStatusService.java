package io.moeplatform.inference.autoconfigure;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.PromptCodec;
import java.util.List;

/** An application's own inference service, for back-off and health mapping; it only reports a status. */
record FixedStatusService(EngineStatus status) implements InferenceService {

    static FixedStatusService ready(boolean ready) {
        ModelInfo model = new ModelInfo("qwen3-test", "qwen3_moe", 4096, "cpu", List.of());
        return new FixedStatusService(new EngineStatus(ready, "cpu", "CUDA backend is not available", List.of(model),
                2, 1, 10, 100, 0.5, 12.0));
    }

    @Override
    public List<ModelInfo> models() {
        return status.models();
    }

    @Override
    public PromptCodec codec(String modelId) {
        throw new UnsupportedOperationException("status only");
    }

    @Override
    public GenerationHandle submit(GenerationRequest request) {
        throw new UnsupportedOperationException("status only");
    }
}
