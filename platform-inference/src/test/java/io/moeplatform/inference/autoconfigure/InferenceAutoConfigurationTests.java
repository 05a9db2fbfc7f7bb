package io.moeplatform.inference.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.engine.InferenceEngine;
import io.moeplatform.inference.lora.LoraOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class InferenceAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(InferenceAutoConfiguration.class));

    @TempDir
    Path dataDir;

    @Test
    void bindsEveryPropertyIntoTheEngineOptions() {
        Path model = dataDir.resolve("Qwen3-30B-A3B");
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.inference.model-path=" + model, "platform.inference.device=cpu",
                        "platform.inference.threads=3", "platform.inference.kv-block-size=32",
                        "platform.inference.kv-cache-memory=64MB", "platform.inference.max-batch-tokens=512",
                        "platform.inference.max-running-sequences=8", "platform.inference.max-queued-requests=20",
                        "platform.inference.queue-timeout=5s", "platform.inference.prefix-caching=false")
                .run(context -> assertThat(context.getBean(InferenceProperties.class).toEngineOptions(dataDir))
                        .isEqualTo(new EngineOptions(model, "Qwen3-30B-A3B", Device.CPU, 3, 32, 64L * 1024 * 1024,
                                512, 8, 20, Duration.ofSeconds(5), false, false)));
    }

    @Test
    void bindsTheLoraSettings() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.inference.lora.max-loaded=3", "platform.inference.lora.max-rank=16")
                .run(context -> assertThat(context.getBean(LoraProperties.class).toOptions())
                        .isEqualTo(new LoraOptions(3, 16)));
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .run(context -> assertThat(context.getBean(LoraProperties.class).toOptions())
                        .isEqualTo(LoraOptions.DEFAULTS));
    }

    @Test
    void servedModelNameOverridesTheDirectoryName() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.inference.model-path=" + dataDir.resolve("m"),
                        "platform.inference.served-model-name=qwen3-moe", "platform.inference.device=CUDA")
                .run(context -> {
                    EngineOptions options = context.getBean(InferenceProperties.class).toEngineOptions(dataDir);
                    assertThat(options.servedModelName()).isEqualTo("qwen3-moe");
                    assertThat(options.device()).isEqualTo(Device.CUDA);
                });
    }

    @Test
    void gpuMemoryFractionAndDummyWeightsBind() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.inference.model-path=" + dataDir.resolve("m"),
                        "platform.inference.gpu-memory-fraction=0.75", "platform.inference.dummy-weights=true")
                .run(context -> {
                    EngineOptions options = context.getBean(InferenceProperties.class).toEngineOptions(dataDir);
                    assertThat(options.gpuMemoryFraction()).isEqualTo(0.75);
                    assertThat(options.dummyWeights()).isTrue();
                });
    }

    @Test
    void aGpuMemoryFractionOutsideZeroToOneIsRejected() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.inference.model-path=" + dataDir.resolve("m"),
                        "platform.inference.gpu-memory-fraction=1.5")
                .run(context -> assertThatThrownBy(
                        () -> context.getBean(InferenceProperties.class).toEngineOptions(dataDir))
                        .hasMessageContaining("gpu-memory-fraction must be in (0, 1], got 1.5"));
    }

    @Test
    void withoutAModelPathServesTheDemoModelCreatedUnderTheDataDirectory() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.inference.model-path=").run(context -> {
                    EngineOptions options = context.getBean(InferenceProperties.class).toEngineOptions(dataDir);
                    assertThat(options.modelPath()).isEqualTo(dataDir.toAbsolutePath().resolve("models/moe-demo"));
                    assertThat(options.modelPath().resolve("config.json")).isRegularFile();
                    assertThat(options.servedModelName()).isEqualTo("moe-demo");
                    assertThat(options.device()).isEqualTo(Device.AUTO);
                    assertThat(options.prefixCaching()).isTrue();
                    assertThat(options.kvCacheBytes()).isZero();
                    assertThat(options.queueTimeout()).isEqualTo(Duration.ofSeconds(60));
                });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsOwnInferenceService() {
        InferenceService own = FixedStatusService.ready(true);
        runner.withBean(InferenceService.class, () -> own).withPropertyValues("platform.data-dir=" + dataDir)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(InferenceEngine.class)
                            .doesNotHaveBean(EngineOptions.class);
                    assertThat(context.getBean(InferenceService.class)).isSameAs(own);
                    assertThat(dataDir.resolve("models")).as("no demo model written").doesNotExist();
                });
    }

    @Test
    void theEngineStartsFromTheApplicationsOwnEngineOptions() {
        Path missing = dataDir.resolve("no-such-model");
        EngineOptions own = new EngineOptions(missing, "mine", Device.CPU, 1, 16, 0, 64, 1, 1, Duration.ofSeconds(1),
                false, false);
        runner.withBean(EngineOptions.class, () -> own).withPropertyValues("platform.data-dir=" + dataDir)
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().hasMessageContaining(missing.toString());
                    assertThat(dataDir.resolve("models")).as("the properties' demo default is not used")
                            .doesNotExist();
                });
    }

    @Test
    void healthIsUpWithBackendNoteAndModelWhenTheEngineIsReady() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.data-dir=" + dataDir).run(context -> {
                    Health health = context.getBean("inferenceHealthIndicator", HealthIndicator.class).health();
                    assertThat(health.getStatus()).isEqualTo(Status.UP);
                    assertThat(health.getDetails()).containsEntry("backend", "cpu")
                            .containsEntry("note", "CUDA backend is not available")
                            .containsEntry("model", "qwen3-test");
                });
    }

    @Test
    void healthIsDownWhileTheEngineIsNotReady() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(false))
                .withPropertyValues("platform.data-dir=" + dataDir).run(context -> assertThat(
                        context.getBean(InferenceHealthIndicator.class).health().getStatus()).isEqualTo(Status.DOWN));
    }

    @Test
    void noHealthIndicatorWithoutSpringBootHealthOnTheClasspath() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .withPropertyValues("platform.data-dir=" + dataDir)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean("inferenceHealthIndicator"));
    }

    @Test
    void healthIndicatorCanBeSwitchedOff() {
        runner.withBean(InferenceService.class, () -> FixedStatusService.ready(true))
                .withPropertyValues("platform.data-dir=" + dataDir, "management.health.inference.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(InferenceHealthIndicator.class));
    }

    @Test
    void startsTheEngineOnTheDemoModelAndClosesItWithTheContext() {
        runner.withPropertyValues("platform.data-dir=" + dataDir, "platform.inference.device=cpu",
                "platform.inference.threads=1").run(context -> {
                    assertThat(context).hasNotFailed();
                    InferenceEngine engine = context.getBean(InferenceEngine.class);
                    EngineStatus status = engine.status();
                    assertThat(status.ready()).isTrue();
                    assertThat(status.models()).extracting(m -> m.id()).containsExactly("moe-demo");
                    assertThat(context.getBean(InferenceHealthIndicator.class).health().getStatus())
                            .isEqualTo(Status.UP);
                    assertThat(Files.exists(dataDir.resolve("models/moe-demo/config.json"))).isTrue();
                });
    }
}
