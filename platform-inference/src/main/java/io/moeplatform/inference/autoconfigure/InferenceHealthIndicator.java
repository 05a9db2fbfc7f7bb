package io.moeplatform.inference.autoconfigure;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.ModelInfo;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * {@code inference} health: UP while the engine has a model loaded and runs steps, DOWN otherwise. Details say which
 * backend runs, why the preferred one is not used, and which models are served.
 */
public final class InferenceHealthIndicator implements HealthIndicator {

    private final InferenceService inference;

    public InferenceHealthIndicator(InferenceService inference) {
        this.inference = inference;
    }

    @Override
    public Health health() {
        EngineStatus status = inference.status();
        Health.Builder health = status.ready() ? Health.up() : Health.down();
        return health.withDetail("backend", status.backend()).withDetail("note", status.backendNote())
                .withDetail("model", String.join(",", status.models().stream().map(ModelInfo::id).toList()))
                .withDetail("runningSequences", status.runningSequences())
                .withDetail("waitingRequests", status.waitingRequests()).build();
    }
}
