package io.moeplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Helm chart, rendered with each install scenario of {@code helm/moe-platform/ci} and the defaults: lint
 * passes, every manifest parses strictly into the Kubernetes API types, and the wiring that only shows at run time
 * on a cluster (ports, probes, secret keys, environment names, GPU requests, shutdown timing) is right.
 */
class HelmChartTests {

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final int APP_PORT = 8080;

    static Stream<ChartScenario> scenarios() {
        return ChartScenario.all().stream();
    }

    @Test
    void lintsCleanInStrictMode() {
        var result = new Helm(Repository.CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
        assertThat(result.getMessages()).noneMatch(message -> message.contains("[WARNING]"))
                .noneMatch(message -> message.contains("[ERROR]"));
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void everyObjectIsNamedAndLabelledForTheRelease(ChartScenario scenario) {
        var release = scenario.render();
        assertThat(release.objects()).isNotEmpty();
        for (HasMetadata object : release.objects()) {
            String name = object.getMetadata().getName();
            assertThat(object.getApiVersion()).as("apiVersion of %s", name).isNotBlank();
            assertThat(name).as("%s name", object.getKind()).hasSizeLessThanOrEqualTo(63).matches(DNS_1123_LABEL);
            assertThat(object.getMetadata().getLabels()).as("labels of %s %s", object.getKind(), name)
                    .containsEntry("app.kubernetes.io/instance", release.releaseName())
                    .containsEntry("app.kubernetes.io/name", "moe-platform");
        }
        var kindsAndNames = release.objects().stream().map(o -> o.getKind() + "/" + o.getMetadata().getName())
                .toList();
        assertThat(kindsAndNames).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void serviceAndProbesReachTheApplicationPort(ChartScenario scenario) {
        var release = scenario.render();
        var pod = release.one(Deployment.class).getSpec().getTemplate();
        Container platform = platformContainer(pod.getSpec());
        assertThat(platform.getPorts()).singleElement().satisfies(port -> {
            assertThat(port.getName()).isEqualTo("http");
            assertThat(port.getContainerPort()).isEqualTo(APP_PORT);
        });
        assertThat(env(platform)).containsEntry("SERVER_PORT", Integer.toString(APP_PORT));

        Service service = apiService(release);
        assertThat(service.getSpec().getSelector()).isNotEmpty();
        assertThat(pod.getMetadata().getLabels()).containsAllEntriesOf(service.getSpec().getSelector());
        assertThat(service.getSpec().getPorts()).singleElement()
                .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("http"));

        assertProbe(platform.getStartupProbe(), "/actuator/health/liveness");
        assertProbe(platform.getLivenessProbe(), "/actuator/health/liveness");
        assertProbe(platform.getReadinessProbe(), "/actuator/health/readiness");
        var startup = platform.getStartupProbe();
        assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold())
                .as("seconds a large model may take to load before the pod is restarted").isGreaterThanOrEqualTo(1200);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void selectorsOfDeploymentAndDisruptionBudgetMatchTheApiPodsOnly(ChartScenario scenario) {
        var release = scenario.render();
        Deployment deployment = release.one(Deployment.class);
        var podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component",
                "api");
        for (PodDisruptionBudget budget : release.all(PodDisruptionBudget.class)) {
            assertThat(budget.getSpec().getSelector().getMatchLabels())
                    .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void everyReferencedSecretKeyConfigMapAndClaimExists(ChartScenario scenario) {
        var release = scenario.render();
        Map<String, Set<String>> secretKeys = new HashMap<>();
        release.all(Secret.class).forEach(secret -> secretKeys.put(secret.getMetadata().getName(),
                Set.copyOf(Objects.requireNonNullElse(secret.getData(), Map.<String, String>of()).keySet())));
        var configMaps = release.all(ConfigMap.class).stream().map(c -> c.getMetadata().getName())
                .collect(Collectors.toSet());
        var claims = release.all(PersistentVolumeClaim.class).stream().map(c -> c.getMetadata().getName())
                .collect(Collectors.toSet());

        for (PodSpec pod : podSpecs(release)) {
            for (Container container : Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                    .toList()) {
                for (EnvVar variable : container.getEnv()) {
                    if (variable.getValueFrom() == null) {
                        continue;
                    }
                    var ref = variable.getValueFrom().getSecretKeyRef();
                    assertThat(ref).as("%s comes from a Secret", variable.getName()).isNotNull();
                    if (!scenario.externalSecrets().contains(ref.getName())) {
                        assertThat(secretKeys).as("Secret of %s", variable.getName()).containsKey(ref.getName());
                        assertThat(secretKeys.get(ref.getName())).as("keys of Secret %s", ref.getName())
                                .contains(ref.getKey());
                    }
                }
            }
            for (var volume : pod.getVolumes()) {
                if (volume.getConfigMap() != null) {
                    assertThat(configMaps).contains(volume.getConfigMap().getName());
                }
                if (volume.getPersistentVolumeClaim() != null
                        && !scenario.externalClaims().contains(volume.getPersistentVolumeClaim().getClaimName())) {
                    assertThat(claims).contains(volume.getPersistentVolumeClaim().getClaimName());
                }
            }
            var mounted = Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                    .flatMap(c -> c.getVolumeMounts().stream()).map(m -> m.getName()).collect(Collectors.toSet());
            var volumes = pod.getVolumes().stream().map(v -> v.getName()).collect(Collectors.toSet());
            release.all(StatefulSet.class).stream()
                    .filter(set -> set.getSpec().getTemplate().getSpec() == pod)
                    .flatMap(set -> set.getSpec().getVolumeClaimTemplates().stream())
                    .forEach(claim -> volumes.add(claim.getMetadata().getName()));
            assertThat(volumes).as("volumes for every mount").containsAll(mounted);
        }
        var referenced = podSpecs(release).stream()
                .flatMap(p -> Stream.concat(p.getInitContainers().stream(), p.getContainers().stream()))
                .flatMap(c -> c.getEnv().stream()).filter(e -> e.getValueFrom() != null)
                .map(e -> e.getValueFrom().getSecretKeyRef().getName()).collect(Collectors.toSet());
        assertThat(referenced).as("the operator's Secrets named in the values are used")
                .containsAll(scenario.externalSecrets());
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void environmentUsesTheApplicationsStableNames(ChartScenario scenario) {
        var release = scenario.render();
        Container platform = platformContainer(release.one(Deployment.class).getSpec().getTemplate().getSpec());
        var env = env(platform);
        assertThat(StableContracts.environmentNames()).as("names the application reads")
                .containsAll(env.keySet());
        assertThat(env).containsKeys("PLATFORM_DATA_DIR", "PLATFORM_INFERENCE_DEVICE", "SPRING_DATASOURCE_URL",
                "SPRING_DATASOURCE_USERNAME", "SPRING_DATASOURCE_PASSWORD", "PLATFORM_SHUTDOWN_DRAIN_TIMEOUT",
                "DJL_CACHE_DIR");
        assertThat(env.get("SPRING_DATASOURCE_URL")).startsWith("jdbc:postgresql://");
        if (scenario.modelPath() == null) {
            assertThat(env).doesNotContainKey("PLATFORM_INFERENCE_MODEL_PATH");
        } else {
            assertThat(env).containsEntry("PLATFORM_INFERENCE_MODEL_PATH", scenario.modelPath());
            assertThat(platform.getVolumeMounts()).anySatisfy(mount -> {
                assertThat(scenario.modelPath()).startsWith(mount.getMountPath() + "/");
                assertThat(mount.getReadOnly()).isTrue();
            });
        }
    }

    @Test
    void credentialsComeFromTheOperatorsSecretOrAreLeftToTheApplication() {
        var byName = ChartScenario.all().stream()
                .collect(Collectors.toMap(ChartScenario::name, scenario -> env(platformContainer(
                        scenario.render().one(Deployment.class).getSpec().getTemplate().getSpec()))));
        var credentials = List.of("PLATFORM_BOOTSTRAP_ADMIN_PASSWORD", "PLATFORM_BOOTSTRAP_API_KEY",
                "PLATFORM_METRICS_SCRAPE_TOKEN");
        assertThat(byName.get("defaults")).as("nothing given: the platform generates and logs them")
                .doesNotContainKeys(credentials.toArray(String[]::new));
        assertThat(byName.get("gpu-external-postgresql")).as("an existing Secret").containsKeys(
                credentials.toArray(String[]::new));
        assertThat(byName.get("cpu-evaluation")).as("only the key given").containsKey("PLATFORM_BOOTSTRAP_API_KEY")
                .doesNotContainKey("PLATFORM_BOOTSTRAP_ADMIN_PASSWORD");
        var external = platformContainer(ChartScenario.all().get(2).render().one(Deployment.class).getSpec()
                .getTemplate().getSpec());
        assertThat(external.getEnv()).filteredOn(e -> credentials.contains(e.getName())).allSatisfy(e -> {
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("moe-credentials");
            assertThat(e.getValueFrom().getSecretKeyRef().getOptional()).as("keys the operator may leave out")
                    .isTrue();
        });
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void writableDirectoriesAreVolumesOnAReadOnlyNonRootContainer(ChartScenario scenario) {
        var pod = scenario.render().one(Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
        Container platform = platformContainer(pod);
        assertThat(platform.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(platform.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(platform.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
        var env = env(platform);
        for (String directory : List.of(env.get("PLATFORM_DATA_DIR"), env.get("DJL_CACHE_DIR"), "/tmp")) {
            assertThat(platform.getVolumeMounts()).as("a writable volume holds %s", directory)
                    .anySatisfy(mount -> {
                        assertThat(directory + "/").startsWith(mount.getMountPath() + "/");
                        assertThat(mount.getReadOnly()).isNotEqualTo(Boolean.TRUE);
                    });
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void podsRequestTheGpusTheScenarioNeeds(ChartScenario scenario) {
        var release = scenario.render();
        var resources = platformContainer(release.one(Deployment.class).getSpec().getTemplate().getSpec())
                .getResources();
        if (scenario.gpus() > 0) {
            assertThat(resources.getLimits()).containsEntry("nvidia.com/gpu", new Quantity(scenario.gpus() + ""));
            assertThat(resources.getRequests()).containsEntry("nvidia.com/gpu",
                    new Quantity(scenario.gpus() + ""));
        } else {
            assertThat(release.objects().toString()).doesNotContain("nvidia.com/gpu");
        }
        assertThat(resources.getLimits()).containsKey("memory");
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void terminationGraceCoversTheDrainOfGenerationsInFlight(ChartScenario scenario) {
        var pod = scenario.render().one(Deployment.class).getSpec().getTemplate().getSpec();
        Container platform = platformContainer(pod);
        String drain = env(platform).get("PLATFORM_SHUTDOWN_DRAIN_TIMEOUT");
        assertThat(drain).matches("\\d+s");
        long drainSeconds = Long.parseLong(drain.substring(0, drain.length() - 1));
        List<String> preStop = platform.getLifecycle().getPreStop().getExec().getCommand();
        assertThat(preStop.getFirst()).isEqualTo("sleep");
        long preStopSeconds = Long.parseLong(preStop.get(1));
        // Kubernetes counts the preStop hook in the grace period; then Spring's drain phase and the web server's
        // graceful phase may each take up to the drain timeout.
        assertThat(pod.getTerminationGracePeriodSeconds()).isGreaterThan(preStopSeconds + 2 * drainSeconds);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void autoscalersTargetTheDeploymentWhichThenLeavesReplicasToThem(ChartScenario scenario) {
        var release = scenario.render();
        Deployment deployment = release.one(Deployment.class);
        var hpas = release.all(HorizontalPodAutoscaler.class);
        var scaledObjects = release.custom("ScaledObject");
        assertThat(hpas.size() + scaledObjects.size()).isLessThanOrEqualTo(1);
        for (var hpa : hpas) {
            assertThat(hpa.getSpec().getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(deployment.getMetadata().getName());
            assertThat(hpa.getSpec().getMetrics()).isNotEmpty();
        }
        for (var scaled : scaledObjects) {
            @SuppressWarnings("unchecked")
            var spec = (Map<String, Object>) scaled.getAdditionalProperties().get("spec");
            assertThat(spec).extracting("scaleTargetRef").extracting("name")
                    .isEqualTo(deployment.getMetadata().getName());
            assertThat(spec.get("triggers").toString()).contains("moe_engine_requests_waiting");
        }
        if (hpas.isEmpty() && scaledObjects.isEmpty()) {
            assertThat(deployment.getSpec().getReplicas()).isPositive();
        } else {
            assertThat(deployment.getSpec().getReplicas()).as("replicas left to the autoscaler").isNull();
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void serviceMonitorScrapesThePrometheusEndpointWithTheScrapeToken(ChartScenario scenario) {
        var release = scenario.render();
        for (var monitor : release.custom("ServiceMonitor")) {
            @SuppressWarnings("unchecked")
            var endpoint = (Map<String, Object>) ((List<?>) ((Map<?, ?>) monitor.getAdditionalProperties()
                    .get("spec")).get("endpoints")).getFirst();
            assertThat(endpoint).containsEntry("port", "http").containsEntry("path", "/actuator/prometheus");
            var credentials = (Map<?, ?>) ((Map<?, ?>) endpoint.get("authorization")).get("credentials");
            String secretName = credentials.get("name").toString();
            if (!scenario.externalSecrets().contains(secretName)) {
                var secret = release.named(Secret.class, secretName);
                assertThat(secret).as("Secret %s", secretName).isPresent();
                assertThat(secret.get().getData()).containsKey(credentials.get("key").toString());
            }
            assertThat(apiService(release).getSpec().getPorts()).anyMatch(p -> p.getName().equals("http"));
        }
    }

    /**
     * The Helm library's template output leaves hooks out, so the Job is rendered as the ordinary resource that
     * {@code migrations.job.asHook=false} makes of it; its pod template is the same either way.
     */
    @Test
    void migrationJobRunsTheSameImageOnTheSameDatabaseInMigrateOnlyMode() {
        var scenario = ChartScenario.all().stream().filter(s -> s.name().equals("gpu-external-postgresql"))
                .findFirst().orElseThrow();
        assertThat(scenario.render().all(Job.class)).as("hooks are not in the template output").isEmpty();
        var release = RenderedRelease.render(scenario.valuesFiles(), Map.of("migrations.job.asHook", false));
        var platform = platformContainer(release.one(Deployment.class).getSpec().getTemplate().getSpec());
        Job job = release.one(Job.class);
        assertThat(job.getMetadata().getName()).endsWith("-migrate-1");
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        Container migrate = pod.getContainers().getFirst();
        assertThat(migrate.getImage()).isEqualTo(platform.getImage());
        assertThat(env(migrate)).containsEntry("PLATFORM_MIGRATE_ONLY", "true");
        assertThat(StableContracts.environmentNames()).containsAll(env(migrate).keySet());
        for (String name : List.of("SPRING_DATASOURCE_URL", "SPRING_DATASOURCE_USERNAME",
                "SPRING_DATASOURCE_PASSWORD")) {
            assertThat(variable(migrate, name)).isEqualTo(variable(platform, name));
        }
        assertThat(migrate.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(migrate.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(migrate.getVolumeMounts()).anyMatch(mount -> mount.getMountPath().equals("/tmp"));
    }

    @Test
    void bundledPostgresqlIsWhereTheApplicationConnects() {
        var release = ChartScenario.all().stream().filter(s -> s.name().equals("cpu-evaluation")).findFirst()
                .orElseThrow().render();
        var database = release.one(StatefulSet.class);
        var service = release.named(Service.class, database.getSpec().getServiceName()).orElseThrow();
        var platform = platformContainer(release.one(Deployment.class).getSpec().getTemplate().getSpec());
        assertThat(env(platform).get("SPRING_DATASOURCE_URL")).isEqualTo("jdbc:postgresql://"
                + service.getMetadata().getName() + ":" + service.getSpec().getPorts().getFirst().getPort() + "/moe");
        var postgres = database.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertThat(variable(postgres, "POSTGRES_PASSWORD").getValueFrom())
                .isEqualTo(variable(platform, "SPRING_DATASOURCE_PASSWORD").getValueFrom());
        assertThat(variable(postgres, "POSTGRES_USER").getValue())
                .isEqualTo(env(platform).get("SPRING_DATASOURCE_USERNAME"));
        assertThat(database.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(service.getSpec().getSelector());
    }

    @Test
    void grafanaDashboardIsValidJsonWithThePanelsOperatorsNeed() {
        var release = ChartScenario.all().stream().filter(s -> s.name().equals("gpu-external-postgresql")).findFirst()
                .orElseThrow().render();
        var dashboard = release.all(ConfigMap.class).stream()
                .filter(c -> c.getMetadata().getLabels().containsKey("grafana_dashboard")).findFirst().orElseThrow();
        Map<?, ?> json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization()
                .unmarshal(dashboard.getData().get("moe-platform.json"), Map.class);
        var titles = ((List<?>) json.get("panels")).stream()
                .map(panel -> String.valueOf(((Map<?, ?>) panel).get("title")))
                .toList();
        assertThat(titles).contains("Generated tokens per second", "Time to first token", "Inter-token latency",
                "Queue and batch", "KV cache use", "Tokens per tenant", "API errors");
        assertThat(release.custom("PrometheusRule")).singleElement().satisfies(rule -> assertThat(
                rule.getAdditionalProperties().get("spec").toString()).contains("MoePlatformOverloaded",
                        "MoePlatformHighErrorRate", "MoePlatformQuotaExhaustion", "MoePlatformKvCachePressure"));
    }

    private static Service apiService(RenderedRelease release) {
        var services = release.all(Service.class).stream()
                .filter(s -> "api".equals(s.getMetadata().getLabels().get("app.kubernetes.io/component"))).toList();
        assertThat(services).as("one Service for the API").hasSize(1);
        return services.getFirst();
    }

    static Container platformContainer(PodSpec pod) {
        return pod.getContainers().stream().filter(c -> c.getName().equals("platform")).findFirst().orElseThrow();
    }

    static Map<String, String> env(Container container) {
        var values = new HashMap<String, String>();
        container.getEnv().forEach(e -> values.put(e.getName(), e.getValue() != null ? e.getValue() : "<from>"));
        assertThat(values).as("no variable set twice").hasSize(container.getEnv().size());
        return values;
    }

    private static EnvVar variable(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst().orElseThrow();
    }

    private static void assertProbe(Probe probe, String path) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
    }

    private static List<PodSpec> podSpecs(RenderedRelease release) {
        return Stream.of(release.all(Deployment.class).stream().map(d -> d.getSpec().getTemplate().getSpec()),
                release.all(StatefulSet.class).stream().map(s -> s.getSpec().getTemplate().getSpec()),
                release.all(Job.class).stream().map(j -> j.getSpec().getTemplate().getSpec())).flatMap(s -> s)
                .toList();
    }
}
