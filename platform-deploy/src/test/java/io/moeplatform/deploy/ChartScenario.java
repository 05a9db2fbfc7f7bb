package io.moeplatform.deploy;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * One way to install the chart: a values file of {@code helm/moe-platform/ci} (none: the chart's defaults) and
 * what the rendered release must then look like.
 *
 * @param gpus GPUs each API pod must request (0: none at all)
 * @param externalSecrets Secrets the values name that the release does not create (the operator's)
 * @param externalClaims PersistentVolumeClaims the values name that the release does not create
 * @param modelPath the expected PLATFORM_INFERENCE_MODEL_PATH, or null for the demo model
 */
record ChartScenario(String name, List<Path> valuesFiles, int gpus, Set<String> externalSecrets,
        Set<String> externalClaims, String modelPath) {

    static List<ChartScenario> all() {
        return List.of(new ChartScenario("defaults", List.of(), 1, Set.of(), Set.of(), null),
                scenario("cpu-evaluation", 0, Set.of(), Set.of(), null),
                scenario("gpu-external-postgresql", 1, Set.of("pg-app", "moe-credentials"), Set.of("models"),
                        "/models/Qwen3-30B-A3B"),
                scenario("autoscaling", 1, Set.of("hf-token"), Set.of("moe-adapters"), "/models/OLMoE-1B-7B-0924"),
                scenario("keda", 1, Set.of("pg"), Set.of(), null));
    }

    private static ChartScenario scenario(String name, int gpus, Set<String> secrets, Set<String> claims,
            String modelPath) {
        return new ChartScenario(name, List.of(Repository.CHART.resolve("ci/" + name + "-values.yaml")), gpus, secrets,
                claims, modelPath);
    }

    private static final java.util.Map<String, RenderedRelease> RENDERED = new java.util.concurrent.ConcurrentHashMap<>();

    /** The release of this scenario, rendered once per test run (rendering is deterministic). */
    RenderedRelease render() {
        return RENDERED.computeIfAbsent(name, key -> RenderedRelease.render(valuesFiles, java.util.Map.of()));
    }

    @Override
    public String toString() {
        return name;
    }
}
