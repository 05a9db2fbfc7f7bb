package io.moeplatform.inference.engine;

import static io.moeplatform.inference.engine.LocalInferenceEngineTests.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.cuda.CudaExecutorOptions;
import io.moeplatform.inference.cuda.CudaModelExecutor;
import io.moeplatform.inference.model.DecoderModelExecutor;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The engine loop and scheduler driving the CUDA executor: every scheduler invariant of
 * {@link RealModelEngineTests} (batch invariance, prefix cache and chunked prefill on/off, preemption, cancellation
 * and queue timeouts without leaked KV blocks, seeded sampling) on the GPU, plus the device's greedy choice against
 * the host sampler over the same logits. Needs a GPU; excluded from the default build by the {@code gpu} tag.
 */
@Tag("gpu")
class CudaEngineGpuTests extends RealModelEngineTests {

    @Override
    DecoderModelExecutor openExecutor(Path model, int blocks, int maxBatchTokens, int maxRunning) {
        return CudaModelExecutor.open(model,
                new CudaExecutorOptions(0, 4, 0, blocks, Math.max(256, maxBatchTokens), Math.max(16, maxRunning),
                        false));
    }

    @Test
    void greedyTokensChosenOnTheDeviceEqualTheHostSamplersOverTheSameLogits() throws URISyntaxException {
        Path dir = Path.of(CudaEngineGpuTests.class.getResource("/golden/models/qwen3_moe").toURI());
        DecoderModelExecutor executor = openExecutor(dir, 256, 256, 16);
        IdTokenizer tokenizer = new IdTokenizer(executor.vocabularySize());
        ServedModel model = new ServedModel("qwen3-tiny", executor, tokenizer, new JoiningCodec(tokenizer, 128, ""),
                new HashSet<>(executor.generationConfig().eosTokenIds()));
        EngineOptions options = new EngineOptions(dir, "qwen3-tiny", Device.CUDA, 1, 4, 0, 256, 16, 64,
                Duration.ofSeconds(30), false, false);
        try (LocalInferenceEngine engine = new LocalInferenceEngine(model, options, new SimpleMeterRegistry())) {
            StopConditions noEos = new StopConditions(List.of(), Set.of(), true);
            SamplingParams onDevice = SamplingParams.greedy(12);
            // logprobs make the engine ask for the logits row, so the host sampler chooses
            SamplingParams onHost = new SamplingParams(0f, 0, 1f, 0f, null, 0f, 0f, 1f, 12, true, 0);
            for (int i = 0; i < 6; i++) {
                int[] ids = java.util.Arrays.stream(prompt(500 + i, 5 + 9 * i)).map(t -> t * 4 + 3).toArray();
                List<Integer> device = EventCollector.of(engine.submit(new GenerationRequest("d" + i, "qwen3-tiny",
                        "t", SchedulingClass.DEFAULT, ids, onDevice, noEos, 1, null, "s"))).await().tokens(0);
                List<Integer> host = EventCollector.of(engine.submit(new GenerationRequest("h" + i, "qwen3-tiny",
                        "t", SchedulingClass.DEFAULT, ids, onHost, noEos, 1, null, "s"))).await().tokens(0);
                assertThat(device).as("prompt %d", i).hasSize(12).isEqualTo(host);
            }
            assertThat(engine.status().backend()).isEqualTo("cuda");
            assertThat(engine.status().gpuMemory()).isNotNull()
                    .satisfies(m -> assertThat(m.kvCacheBytes()).isEqualTo(executor.kvCacheGeometry().bytesPerBlock()
                            * 256))
                    .satisfies(m -> assertThat(m.weightBytes()).isPositive());
        }
    }
}
