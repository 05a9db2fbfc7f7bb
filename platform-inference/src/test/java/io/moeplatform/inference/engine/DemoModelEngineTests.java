package io.moeplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.cuda.CudaAvailability;
import io.moeplatform.inference.model.DemoModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalInferenceEngine#start} end to end on the built-in demo model: the
 * CPU executor, the tokenizer and chat template from the directory, the
 * standard samplers.
 */
class DemoModelEngineTests {

    @Test
    void startsFromAModelDirectoryAndStreamsAChatCompletion(@TempDir Path dataDir) {
        assumeFalse(CudaAvailability.isAvailable(), "auto would pick the GPU here");
        Path modelDir = DemoModel.ensure(dataDir);
        EngineOptions options = new EngineOptions(modelDir, "", Device.AUTO, 2, 16, 0, 256, 8, 16,
                Duration.ofSeconds(30), true, false);
        try (LocalInferenceEngine engine = LocalInferenceEngine.start(options, new SimpleMeterRegistry())) {
            assertThat(engine.status().backend()).isEqualTo("cpu");
            assertThat(engine.status().backendNote()).startsWith("CUDA is not available (")
                    .contains(CudaAvailability.unavailabilityCause().getMessage())
                    .endsWith("running on the CPU backend");
            assertThat(engine.status().gpuMemory()).isNull();
            assertThat(engine.models()).singleElement().satisfies(model -> {
                assertThat(model.id()).isEqualTo("moe-demo");
                assertThat(model.architecture()).isEqualTo("qwen3_moe");
            });
            PromptCodec codec = engine.codec("moe-demo");
            int[] prompt = codec.encode(codec.renderChat(List.of(new ChatMessage("user", "Hello, 世界")), true));
            GenerationRequest request = new GenerationRequest("demo-1", "moe-demo", "tenant", SchedulingClass.DEFAULT,
                    prompt, new SamplingParams(0f, 0, 1f, 0f, null, 0f, 0f, 1f, 12, true, 2),
                    new StopConditions(List.of(), Set.of(), true), 1, null, "tenant");

            EventCollector first = EventCollector.of(engine.submit(request)).await();
            EventCollector second = EventCollector.of(engine.submit(request)).await();

            List<Integer> tokens = first.tokens(0);
            assertThat(tokens).hasSize(12);
            assertThat(second.tokens(0)).isEqualTo(tokens);
            assertThat(first.text(0)).as("deltas add up to the decoded text")
                    .isEqualTo(codec.decode(tokens.stream().mapToInt(Integer::intValue).toArray()));
            assertThat(second.usage().cachedPromptTokens()).as("whole prompt blocks from the prefix cache")
                    .isEqualTo((prompt.length - 1) / 16 * 16);
            assertThat(first.completed().usage().promptTokens()).isEqualTo(prompt.length);
        }
    }
}
