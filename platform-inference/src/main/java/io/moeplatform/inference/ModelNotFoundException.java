package io.moeplatform.inference;

/** No served model has the requested id (HTTP 404, {@code model_not_found}). */
public final class ModelNotFoundException extends InferenceException {
    private final String modelId;

    public ModelNotFoundException(String modelId) {
        super("The model '" + modelId + "' does not exist");
        this.modelId = modelId;
    }

    public String modelId() {
        return modelId;
    }
}
