package io.moeplatform.inference.engine;

import static io.moeplatform.inference.engine.LocalInferenceEngineTests.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.EngineOverloadedException;
import io.moeplatform.inference.FinishReason;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.model.DecoderModelExecutor;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's invariants on the real CPU model (the tiny transformers
 * checkpoint of qwen3_moe, 3 layers, vocabulary 256, context 128): how requests
 * are batched, chunked, cached and preempted must not change a single greedy
 * token, and every KV block comes back. {@link CudaEngineGpuTests} runs the same
 * tests on the CUDA executor.
 */
class RealModelEngineTests {

    private static final StopConditions NO_EOS = new StopConditions(List.of(), Set.of(), true);
    private final List<LocalInferenceEngine> engines = new ArrayList<>();
    private SimpleMeterRegistry registry;
    private GatedExecutor gate;

    private LocalInferenceEngine engine(int blocks, int maxBatchTokens, int maxRunning, int maxQueued,
            Duration queueTimeout, boolean prefixCaching) {
        DecoderModelExecutor executor = openExecutor(modelDirectory(), blocks, maxBatchTokens, maxRunning);
        gate = new GatedExecutor(executor);
        IdTokenizer tokenizer = new IdTokenizer(executor.vocabularySize());
        ServedModel model = new ServedModel("qwen3-tiny", gate, tokenizer, new JoiningCodec(tokenizer, 128, ""),
                new HashSet<>(executor.generationConfig().eosTokenIds()));
        EngineOptions options = new EngineOptions(modelDirectory(), "qwen3-tiny", Device.CPU, 1, 4, 0, maxBatchTokens,
                maxRunning, maxQueued, queueTimeout, prefixCaching, false);
        registry = new SimpleMeterRegistry();
        LocalInferenceEngine engine = new LocalInferenceEngine(model, options, registry);
        engines.add(engine);
        return engine;
    }

    /** The executor under test: blocks of 4 tokens, {@code blocks} of them. */
    DecoderModelExecutor openExecutor(Path model, int blocks, int maxBatchTokens, int maxRunning) {
        return CpuModelExecutor.open(model, new CpuExecutorOptions(1, 4, 0, blocks, false));
    }

    private LocalInferenceEngine engine(int maxBatchTokens, boolean prefixCaching) {
        return engine(256, maxBatchTokens, 16, 64, Duration.ofSeconds(30), prefixCaching);
    }

    /** The checkpoint under test. */
    Path modelDirectory() {
        try {
            return Path.of(RealModelEngineTests.class.getResource("/golden/models/qwen3_moe").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(LocalInferenceEngine::close);
    }

    private static GenerationRequest request(String id, int[] prompt, int maxTokens) {
        return new GenerationRequest(id, "qwen3-tiny", "tenant", SchedulingClass.DEFAULT, prompt,
                SamplingParams.greedy(maxTokens), NO_EOS, 1, null, "salt");
    }

    private static int[] realPrompt(long seed, int length) {
        return Arrays.stream(prompt(seed, length)).map(t -> t * 4 + 3).toArray();
    }

    private static List<Integer> run(LocalInferenceEngine engine, GenerationRequest request) {
        return EventCollector.of(engine.submit(request)).await().tokens(0);
    }

    private static void awaitNoReferencedBlocks(LocalInferenceEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (engine.referencedKvBlocks() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(engine.referencedKvBlocks()).as("KV blocks still referenced").isZero();
    }

    private static List<GenerationRequest> mixedRequests() {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(request("mixed-" + i, realPrompt(300 + i, 3 + 7 * i), 4 + 2 * i));
        }
        return requests;
    }

    @Test
    void greedyTokensAreTheSameAloneAndInsideABusyBatch() {
        LocalInferenceEngine solo = engine(256, false);
        List<List<Integer>> alone = mixedRequests().stream().map(r -> run(solo, r)).toList();

        LocalInferenceEngine busy = engine(24, false);
        List<EventCollector> together = mixedRequests().stream().map(r -> EventCollector.of(busy.submit(r)))
                .toList();
        for (int i = 0; i < alone.size(); i++) {
            assertThat(together.get(i).await().tokens(0)).as("request %d", i).isEqualTo(alone.get(i))
                    .hasSize(4 + 2 * i);
        }
    }

    @Test
    void prefixCacheAndChunkedPrefillGiveIdenticalTokens() {
        int[] system = realPrompt(1, 21);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int[] tokens = Arrays.copyOf(system, 21 + 5);
            System.arraycopy(realPrompt(40 + i, 5), 0, tokens, 21, 5);
            requests.add(request("shared-" + i, tokens, 8));
        }
        List<List<Integer>> reference = null;
        for (boolean prefix : new boolean[]{false, true}) {
            for (int budget : new int[]{256, 5}) {
                LocalInferenceEngine engine = engine(budget, prefix);
                List<List<Integer>> outputs = new ArrayList<>();
                List<Integer> cached = new ArrayList<>();
                for (GenerationRequest request : requests) {
                    EventCollector collector = EventCollector.of(engine.submit(request)).await();
                    outputs.add(collector.tokens(0));
                    cached.add(collector.usage().cachedPromptTokens());
                }
                if (reference == null) {
                    reference = outputs;
                }
                assertThat(outputs).as("prefix caching %s, budget %d", prefix, budget).isEqualTo(reference);
                assertThat(cached).as("cached prompt tokens").isEqualTo(prefix ? List.of(0, 20, 20) : List.of(0, 0, 0));
            }
        }
    }

    @Test
    void preemptionInATinyPoolKeepsTokensAndReturnsEveryBlock() throws Exception {
        LocalInferenceEngine roomy = engine(256, true);
        List<List<Integer>> expected = mixedRequests().stream().map(r -> run(roomy, r)).toList();

        LocalInferenceEngine tiny = engine(16, 64, 16, 64, Duration.ofSeconds(30), true);
        List<EventCollector> collectors = mixedRequests().stream().map(r -> EventCollector.of(tiny.submit(r)))
                .toList();
        for (int i = 0; i < expected.size(); i++) {
            assertThat(collectors.get(i).await().tokens(0)).as("request %d", i).isEqualTo(expected.get(i));
        }
        assertThat(registry.get("moe.engine.preemptions").counter().count()).isPositive();
        awaitNoReferencedBlocks(tiny);
    }

    @Test
    void cancelAndQueueTimeoutReturnEveryBlock() throws Exception {
        // the limit must be long enough that the first request is surely admitted, not expired
        LocalInferenceEngine engine = engine(256, 8, 1, 64, Duration.ofMillis(300), true);
        gate.holdAt(6);
        GenerationHandle cancelled = engine.submit(request("cancelled", realPrompt(60, 30), 90));
        EventCollector cancelledEvents = EventCollector.of(cancelled);
        gate.awaitHeld();
        EventCollector expired = EventCollector.of(engine.submit(request("expired", realPrompt(61, 9), 5)));
        Thread.sleep(400);
        cancelled.cancel();
        gate.open();

        assertThat(expired.awaitError()).isInstanceOf(EngineOverloadedException.class);
        cancelledEvents.await();
        assertThat(cancelledEvents.finish(0)).isEqualTo(FinishReason.CANCELLED);
        assertThat(cancelledEvents.usage().completionTokens())
                .as("chunks 8+8+8+6 end with token 1; calls 5 and 6 decode").isEqualTo(3);
        awaitNoReferencedBlocks(engine);
        assertThat(engine.status().waitingRequests()).isZero();
    }

    @Test
    void seededSamplingIsReproducibleOnTheRealModel() {
        LocalInferenceEngine engine = engine(256, true);
        SamplingParams seeded = new SamplingParams(0.9f, 0, 1f, 0f, 7L, 0f, 0f, 1f, 12, false, 0);
        GenerationRequest request = new GenerationRequest("seeded", "qwen3-tiny", "tenant", SchedulingClass.DEFAULT,
                realPrompt(70, 10), seeded, NO_EOS, 2, null, "salt");
        EventCollector first = EventCollector.of(engine.submit(request)).await();
        EventCollector second = EventCollector.of(engine.submit(request)).await();
        assertThat(second.tokens(0)).isEqualTo(first.tokens(0)).hasSize(12);
        assertThat(second.tokens(1)).isEqualTo(first.tokens(1));
    }

    @Test
    void promptBeyondTheContextLengthIsRejected() {
        LocalInferenceEngine engine = engine(256, true);
        assertThatThrownBy(() -> engine.submit(request("long", realPrompt(80, 120), 20)))
                .isInstanceOfSatisfying(InvalidGenerationRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("context_length_exceeded");
                    assertThat(e.param()).isEqualTo("messages");
                    assertThat(e).hasMessageContaining("128");
                });
        assertThatThrownBy(() -> engine.submit(request("vocab", new int[]{5, 256}, 2)))
                .isInstanceOf(InvalidGenerationRequestException.class).hasMessageContaining("0..255");
    }
}
