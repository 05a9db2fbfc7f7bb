package io.moeplatform.api.openai.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: the served models, as OpenAI lists them. */
@RestController
class ModelsController {

    private static final String OWNER = "moe-platform";

    private final InferenceService inference;

    ModelsController(InferenceService inference) {
        this.inference = inference;
    }

    record Model(String id, String object, long created, @JsonProperty("owned_by") String ownedBy,
            @JsonProperty("context_length") int contextLength, String architecture, String backend) {}

    record ModelList(String object, List<Model> data) {}

    @GetMapping("/v1/models")
    ModelList list() {
        return new ModelList("list", inference.models().stream().map(ModelsController::model).toList());
    }

    @GetMapping("/v1/models/{id}")
    Model get(@PathVariable String id) {
        return inference.models().stream().filter(info -> info.id().equals(id)).findFirst()
                .map(ModelsController::model)
                .orElseThrow(() -> new io.moeplatform.inference.ModelNotFoundException(id));
    }

    /** {@code created}: when this process started serving it (we load models at start). */
    private static Model model(ModelInfo info) {
        long started = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000;
        return new Model(info.id(), "model", started, OWNER, info.contextLength(), info.architecture(),
                info.backend());
    }
}
