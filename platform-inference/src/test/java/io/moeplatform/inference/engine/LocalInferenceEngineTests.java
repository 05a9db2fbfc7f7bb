package io.moeplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.EngineOverloadedException;
import io.moeplatform.inference.FinishReason;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.GenerationFailedException;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.ModelNotFoundException;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.cuda.CudaAvailability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalInferenceEngineTests {

    private static final StopConditions NO_EOS = new StopConditions(List.of(), Set.of(), true);
    private final List<LocalInferenceEngine> engines = new ArrayList<>();
    private ToyExecutor executor;
    private GatedExecutor gate;
    private SimpleMeterRegistry registry;

    record Config(int blockSize, int blocks, int maxBatchTokens, int maxRunning, int maxQueued, Duration queueTimeout,
            boolean prefixCaching) {
        static Config roomy() {
            return new Config(4, 512, 256, 16, 64, Duration.ofSeconds(30), true);
        }

        Config withPrefixCaching(boolean on) {
            return new Config(blockSize, blocks, maxBatchTokens, maxRunning, maxQueued, queueTimeout, on);
        }

        Config withMaxBatchTokens(int tokens) {
            return new Config(blockSize, blocks, tokens, maxRunning, maxQueued, queueTimeout, prefixCaching);
        }

        Config withBlocks(int count) {
            return new Config(blockSize, count, maxBatchTokens, maxRunning, maxQueued, queueTimeout, prefixCaching);
        }

        Config withQueue(int running, int queued, Duration timeout) {
            return new Config(blockSize, blocks, maxBatchTokens, running, queued, timeout, prefixCaching);
        }
    }

    private LocalInferenceEngine engine(Config config) {
        executor = new ToyExecutor(config.blockSize(), config.blocks(), 512);
        gate = new GatedExecutor(executor);
        registry = new SimpleMeterRegistry();
        ToyTokenizer tokenizer = new ToyTokenizer();
        ServedModel model = new ServedModel("toy", gate, tokenizer, new JoiningCodec(tokenizer, 512, " "),
                Set.of(ToyTokenizer.EOS));
        EngineOptions options = new EngineOptions(Path.of("toy"), "toy", Device.CPU, 1, config.blockSize(), 0,
                config.maxBatchTokens(), config.maxRunning(), config.maxQueued(), config.queueTimeout(),
                config.prefixCaching(), false);
        LocalInferenceEngine engine = new LocalInferenceEngine(model, options, registry);
        engines.add(engine);
        return engine;
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(LocalInferenceEngine::close);
    }

    static int[] prompt(long seed, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = random.nextInt(62);
        }
        return tokens;
    }

    static GenerationRequest request(String id, int[] prompt, int maxTokens) {
        return request(id, "tenant-a", prompt, SamplingParams.greedy(maxTokens), NO_EOS, 1);
    }

    static GenerationRequest request(String id, String tenant, int[] prompt, SamplingParams sampling,
            StopConditions stop, int n) {
        return new GenerationRequest(id, "toy", tenant, SchedulingClass.DEFAULT, prompt, sampling, stop, n, null,
                "salt-" + tenant);
    }

    private static List<Integer> run(LocalInferenceEngine engine, GenerationRequest request) {
        return EventCollector.of(engine.submit(request)).await().tokens(0);
    }

    private void awaitNoReferencedBlocks(LocalInferenceEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (engine.referencedKvBlocks() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(engine.referencedKvBlocks()).as("KV blocks still referenced").isZero();
        assertThat(engine.status().runningSequences()).isZero();
    }

    @Test
    void requestGivesSameGreedyTokensAloneAndInsideBusyBatch() {
        GenerationRequest target = request("target", prompt(7, 23), 17);
        List<Integer> alone = run(engine(Config.roomy().withPrefixCaching(false)), target);

        LocalInferenceEngine busy = engine(Config.roomy().withPrefixCaching(false).withMaxBatchTokens(40));
        List<EventCollector> others = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            others.add(EventCollector.of(busy.submit(request("other-" + i, prompt(100 + i, 5 + 9 * i), 3 + 3 * i))));
            if (i == 4) {
                others.add(EventCollector.of(busy.submit(target)));
            }
        }
        others.forEach(EventCollector::await);

        assertThat(others.get(5).tokens(0)).isEqualTo(alone).hasSize(17);
        assertThat(executor.maxSlicesInStep).as("steps batched several sequences").isGreaterThan(3);
    }

    @Test
    void prefixCachingAndChunkedPrefillDoNotChangeTokens() {
        int[] shared = prompt(1, 40);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int[] tokens = java.util.Arrays.copyOf(shared, 40 + 3 + i);
            System.arraycopy(prompt(50 + i, 3 + i), 0, tokens, 40, 3 + i);
            requests.add(request("r" + i, tokens, 12));
        }
        List<List<Integer>> reference = null;
        for (boolean prefix : new boolean[]{false, true}) {
            for (int budget : new int[]{512, 7}) {
                LocalInferenceEngine engine = engine(
                        Config.roomy().withPrefixCaching(prefix).withMaxBatchTokens(budget));
                List<List<Integer>> outputs = new ArrayList<>();
                for (GenerationRequest request : requests) {
                    outputs.add(run(engine, request));
                }
                if (reference == null) {
                    reference = outputs;
                }
                assertThat(outputs).as("prefix caching %s, budget %d", prefix, budget).isEqualTo(reference);
            }
        }
    }

    @Test
    void prefixCacheServesSharedPromptBlocksAndReportsThem() {
        LocalInferenceEngine engine = engine(Config.roomy());
        int[] prompt = prompt(3, 41);
        EventCollector first = EventCollector.of(engine.submit(request("first", prompt, 5))).await();
        long computedAfterFirst = executor.computedTokens;
        EventCollector second = EventCollector.of(engine.submit(request("second", prompt, 5))).await();

        assertThat(first.usage().cachedPromptTokens()).isZero();
        assertThat(second.usage().cachedPromptTokens()).isEqualTo(40);
        assertThat(executor.computedTokens - computedAfterFirst).as("second prefill computed only the last token")
                .isEqualTo(1 + 4);
        assertThat(second.tokens(0)).isEqualTo(first.tokens(0));
        assertThat(engine.status().prefixCacheHitRate()).isEqualTo(40.0 / 82);
        assertThat(registry.get("moe.engine.prefix.cache.hits").counter().count()).isEqualTo(40);
        assertThat(registry.get("moe.engine.prefix.cache.lookups").counter().count()).isEqualTo(82);
    }

    @Test
    void tenantsNeverShareCachedBlocks() {
        LocalInferenceEngine engine = engine(Config.roomy());
        int[] prompt = prompt(3, 41);
        EventCollector.of(engine.submit(request("a", "tenant-a", prompt, SamplingParams.greedy(3), NO_EOS, 1))).await();
        EventCollector other = EventCollector
                .of(engine.submit(request("b", "tenant-b", prompt, SamplingParams.greedy(3), NO_EOS, 1))).await();
        assertThat(other.usage().cachedPromptTokens()).isZero();
    }

    @Test
    void cancelEndsWithCancelledChoiceAndFreesEveryBlock() throws Exception {
        LocalInferenceEngine engine = engine(Config.roomy());
        gate.holdAt(4);
        GenerationHandle handle = engine.submit(request("long", prompt(4, 30), 400));
        EventCollector collector = EventCollector.of(handle);
        gate.awaitHeld();
        handle.cancel();
        gate.open();
        collector.await();
        assertThat(collector.finish(0)).isEqualTo(FinishReason.CANCELLED);
        assertThat(collector.tokens(0)).as("the held step still delivers its token").hasSize(4);
        assertThat(collector.usage().completionTokens()).isEqualTo(4);
        awaitNoReferencedBlocks(engine);
    }

    @Test
    void preemptionUnderTinyKvPoolKeepsOutputsAndFreesEveryBlock() throws Exception {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            requests.add(request("p" + i, prompt(200 + i, 10 + i), 20));
        }
        LocalInferenceEngine roomy = engine(Config.roomy());
        List<List<Integer>> expected = new ArrayList<>();
        for (GenerationRequest request : requests) {
            expected.add(run(roomy, request));
        }

        LocalInferenceEngine tiny = engine(Config.roomy().withBlocks(12));
        List<EventCollector> collectors = requests.stream().map(r -> EventCollector.of(tiny.submit(r))).toList();
        for (int i = 0; i < collectors.size(); i++) {
            assertThat(collectors.get(i).await().tokens(0)).as("request %d", i).isEqualTo(expected.get(i));
        }
        assertThat(registry.get("moe.engine.preemptions").counter().count()).isPositive();
        awaitNoReferencedBlocks(tiny);
    }

    @Test
    void randomMixOfTenantsChoicesAndCancelsUnderPressureKeepsOutputsAndLeaksNothing() throws Exception {
        SplittableRandom random = new SplittableRandom(2026);
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int[] tokens = prompt(random.nextInt(3), 8 + random.nextInt(24));
            tokens[tokens.length - 1] = random.nextInt(62);
            requests.add(request("mix-" + i, "tenant-" + random.nextInt(3), tokens,
                    SamplingParams.greedy(1 + random.nextInt(20)), NO_EOS, 1 + random.nextInt(3)));
        }
        LocalInferenceEngine reference = engine(Config.roomy().withPrefixCaching(false));
        List<List<Integer>> expected = new ArrayList<>();
        for (GenerationRequest request : requests) {
            expected.add(run(reference, request));
        }

        LocalInferenceEngine pressured = engine(new Config(4, 40, 24, 12, 64, Duration.ofSeconds(30), true));
        List<GenerationHandle> handles = new ArrayList<>();
        List<EventCollector> collectors = new ArrayList<>();
        for (GenerationRequest request : requests) {
            GenerationHandle handle = pressured.submit(request);
            handles.add(handle);
            collectors.add(EventCollector.of(handle));
        }
        for (int i = 0; i < handles.size(); i += 7) {
            handles.get(i).cancel();
        }
        for (int i = 0; i < collectors.size(); i++) {
            EventCollector collector = collectors.get(i).await();
            GenerationRequest request = requests.get(i);
            int generated = 0;
            for (int choice = 0; choice < request.n(); choice++) {
                List<Integer> tokens = collector.tokens(choice);
                generated += tokens.size();
                assertThat(tokens).as("request %d choice %d", i, choice)
                        .isEqualTo(expected.get(i).subList(0, tokens.size()));
                if (collector.finish(choice) != FinishReason.CANCELLED) {
                    assertThat(tokens).as("request %d choice %d", i, choice).isEqualTo(expected.get(i));
                }
            }
            assertThat(collector.usage().completionTokens()).isEqualTo(generated);
        }
        assertThat(registry.get("moe.engine.preemptions").counter().count()).isPositive();
        awaitNoReferencedBlocks(pressured);
    }

    @Test
    void requestWaitingLongerThanQueueTimeoutFailsAsOverloaded() throws Exception {
        // long enough that the first request is surely admitted, not expired, on a loaded machine
        LocalInferenceEngine engine = engine(Config.roomy().withQueue(1, 8, Duration.ofMillis(300)));
        gate.holdAt(1);
        EventCollector running = EventCollector.of(engine.submit(request("running", prompt(5, 8), 4)));
        gate.awaitHeld();
        EventCollector waiting = EventCollector.of(engine.submit(request("waiting", prompt(6, 8), 4)));
        Thread.sleep(400);
        gate.open();

        assertThat(waiting.awaitError()).isInstanceOf(EngineOverloadedException.class)
                .hasMessageContaining("queue time limit");
        assertThat(running.await().tokens(0)).hasSize(4);
        awaitNoReferencedBlocks(engine);
        assertThat(engine.status().waitingRequests()).isZero();
    }

    @Test
    void fullQueueRejectsInsteadOfGrowing() throws Exception {
        LocalInferenceEngine engine = engine(Config.roomy().withQueue(1, 2, Duration.ofSeconds(30)));
        gate.holdAt(1);
        EventCollector first = EventCollector.of(engine.submit(request("first", prompt(5, 8), 2)));
        gate.awaitHeld();
        EventCollector second = EventCollector.of(engine.submit(request("second", prompt(6, 8), 2)));
        EventCollector third = EventCollector.of(engine.submit(request("third", prompt(7, 8), 2)));

        assertThatThrownBy(() -> engine.submit(request("fourth", prompt(8, 8), 2)))
                .isInstanceOf(EngineOverloadedException.class).hasMessageContaining("queue is full (2 requests");
        gate.open();
        for (EventCollector collector : List.of(first, second, third)) {
            assertThat(collector.await().tokens(0)).hasSize(2);
        }
        EventCollector.of(engine.submit(request("fifth", prompt(8, 8), 2))).await();
    }

    @Test
    void choicesShareThePromptAndSeededSamplingIsReproducible() throws Exception {
        LocalInferenceEngine engine = engine(Config.roomy().withPrefixCaching(false));
        int[] prompt = prompt(9, 18);
        List<Integer> single = run(engine, request("one", prompt, 10));
        EventCollector greedy = EventCollector
                .of(engine.submit(request("three", "tenant-a", prompt, SamplingParams.greedy(10), NO_EOS, 3))).await();
        for (int choice = 0; choice < 3; choice++) {
            assertThat(greedy.tokens(choice)).as("choice %d", choice).isEqualTo(single);
            assertThat(greedy.finish(choice)).isEqualTo(FinishReason.LENGTH);
        }
        assertThat(greedy.usage().completionTokens()).isEqualTo(30);

        SamplingParams seeded = new SamplingParams(1.0f, 0, 1f, 0f, 42L, 0f, 0f, 1f, 16, false, 0);
        EventCollector a = EventCollector.of(engine.submit(request("s1", "tenant-a", prompt, seeded, NO_EOS, 2)))
                .await();
        EventCollector b = EventCollector.of(engine.submit(request("s2", "tenant-a", prompt, seeded, NO_EOS, 2)))
                .await();
        assertThat(b.tokens(0)).isEqualTo(a.tokens(0));
        assertThat(b.tokens(1)).isEqualTo(a.tokens(1));
        assertThat(a.tokens(0)).isNotEqualTo(a.tokens(1));
        awaitNoReferencedBlocks(engine);
    }

    @Test
    void stopStringCutsTextBeforeIt() {
        LocalInferenceEngine engine = engine(Config.roomy());
        int[] prompt = prompt(11, 12);
        EventCollector free = EventCollector.of(engine.submit(request("free", prompt, 30))).await();
        String text = free.text(0);
        String stop = text.substring(10, 13);
        int cut = text.indexOf(stop);

        EventCollector stopped = EventCollector.of(engine.submit(request("stopped", "tenant-a", prompt,
                SamplingParams.greedy(30), new StopConditions(List.of(stop), Set.of(), true), 1))).await();

        assertThat(stopped.text(0)).isEqualTo(text.substring(0, cut));
        assertThat(stopped.finish(0)).isEqualTo(FinishReason.STOP);
        int completing = 0;
        for (int length = 0; length < cut + stop.length(); completing++) {
            length += new ToyTokenizer().decode(new int[]{free.tokens(0).get(completing)}, true).length();
        }
        assertThat(stopped.tokens(0)).as("ends with the token that completes the stop string").hasSize(completing);
        assertThat(free.finish(0)).isEqualTo(FinishReason.LENGTH);
    }

    @Test
    void stopTokenIdAndEndOfSequenceEndChoiceWithStop() {
        LocalInferenceEngine engine = engine(Config.roomy());
        int[] prompt = prompt(12, 12);
        List<Integer> free = run(engine, request("free", prompt, 30));
        int stopToken = free.get(5);
        int firstAt = free.indexOf(stopToken);

        EventCollector stopped = EventCollector.of(engine.submit(request("stopped", "tenant-a", prompt,
                SamplingParams.greedy(30), new StopConditions(List.of(), Set.of(stopToken), true), 1))).await();
        assertThat(stopped.tokens(0)).isEqualTo(free.subList(0, firstAt + 1));
        assertThat(stopped.finish(0)).isEqualTo(FinishReason.STOP);
        assertThat(stopped.text(0)).isEqualTo(new ToyTokenizer()
                .decode(free.subList(0, firstAt).stream().mapToInt(Integer::intValue).toArray(), true));

        LocalInferenceEngine eosEngine = engineWithEos(stopToken);
        EventCollector eos = EventCollector.of(eosEngine.submit(
                request("eos", "tenant-a", prompt, SamplingParams.greedy(30), StopConditions.NONE, 1))).await();
        assertThat(eos.finish(0)).isEqualTo(FinishReason.STOP);
        assertThat(eos.tokens(0)).hasSize(firstAt + 1);
        EventCollector ignored = EventCollector.of(eosEngine.submit(request("ignored", prompt, 30))).await();
        assertThat(ignored.tokens(0)).isEqualTo(free);
    }

    private LocalInferenceEngine engineWithEos(int eosTokenId) {
        ToyExecutor own = new ToyExecutor(4, 512, 512);
        ToyTokenizer tokenizer = new ToyTokenizer();
        ServedModel model = new ServedModel("toy", own, tokenizer, new JoiningCodec(tokenizer, 512, " "),
                Set.of(eosTokenId));
        EngineOptions options = new EngineOptions(Path.of("toy"), "toy", Device.CPU, 1, 4, 0, 256, 16, 64,
                Duration.ofSeconds(30), true, false);
        LocalInferenceEngine engine = new LocalInferenceEngine(model, options,
                new SimpleMeterRegistry());
        engines.add(engine);
        return engine;
    }

    @Test
    void badRequestsFailWithTypedErrorsThatNameTheField() {
        LocalInferenceEngine engine = engine(Config.roomy());
        assertInvalid(engine, request("empty", new int[0], 5), "messages", "prompt is empty");
        assertInvalid(engine, request("long", prompt(1, 500), 20), "messages", "maximum context length is 512");
        assertThat(catchInvalid(engine, request("long", prompt(1, 500), 20)).code())
                .isEqualTo("context_length_exceeded");
        assertInvalid(engine, request("vocab", new int[]{1, 64}, 5), "prompt", "outside the model's vocabulary");
        assertInvalid(engine, request("n", "tenant-a", prompt(1, 5), SamplingParams.greedy(5), NO_EOS, 0), "n",
                "n must be at least 1");
        assertInvalid(engine,
                request("temp", "tenant-a", prompt(1, 5),
                        new SamplingParams(-1f, 0, 1f, 0f, null, 0f, 0f, 1f, 5, false, 0), NO_EOS, 1),
                "temperature", "between 0 and 2");
        assertInvalid(engine,
                request("topp", "tenant-a", prompt(1, 5),
                        new SamplingParams(1f, 0, 0f, 0f, null, 0f, 0f, 1f, 5, false, 0), NO_EOS, 1),
                "top_p", "greater than 0 and at most 1");
        assertInvalid(engine, request("max", prompt(1, 5), 0), "max_tokens", "at least 1");
        assertInvalid(engine, request("wide", "tenant-a", prompt(1, 5), SamplingParams.greedy(5), NO_EOS, 17), "n",
                "at most 16 sequences");
        GenerationRequest otherModel = new GenerationRequest("m", "gpt-4", "t", SchedulingClass.DEFAULT, prompt(1, 5),
                SamplingParams.greedy(5), NO_EOS, 1, null, "t");
        assertThatThrownBy(() -> engine.submit(otherModel)).isInstanceOf(ModelNotFoundException.class)
                .hasMessageContaining("gpt-4");
    }

    private static InvalidGenerationRequestException catchInvalid(LocalInferenceEngine engine,
            GenerationRequest request) {
        try {
            engine.submit(request);
        } catch (InvalidGenerationRequestException e) {
            return e;
        }
        throw new AssertionError("accepted " + request.requestId());
    }

    private static void assertInvalid(LocalInferenceEngine engine, GenerationRequest request, String param,
            String message) {
        InvalidGenerationRequestException error = catchInvalid(engine, request);
        assertThat(error.param()).isEqualTo(param);
        assertThat(error).hasMessageContaining(message);
    }

    @Test
    void failingStepFailsItsRequestsAndEngineKeepsServing() throws Exception {
        LocalInferenceEngine engine = engine(Config.roomy());
        executor.failWhen(slice -> slice.tokenIds().length > 0 && slice.tokenIds()[0] == 61);
        int[] poison = prompt(13, 10);
        poison[0] = 61;
        EventCollector failed = EventCollector.of(engine.submit(request("poison", poison, 5)));
        assertThat(failed.awaitError()).isInstanceOf(GenerationFailedException.class)
                .hasMessageContaining("poison");
        int[] healthy = prompt(14, 10);
        healthy[0] = 1;
        assertThat(EventCollector.of(engine.submit(request("healthy", healthy, 5))).await().tokens(0)).hasSize(5);
        awaitNoReferencedBlocks(engine);
    }

    @Test
    void logprobsCarryTokenTextBytesAndAlternatives() {
        LocalInferenceEngine engine = engine(Config.roomy());
        SamplingParams sampling = new SamplingParams(0f, 0, 1f, 0f, null, 0f, 0f, 1f, 4, true, 3);
        EventCollector collector = EventCollector
                .of(engine.submit(request("lp", "tenant-a", prompt(15, 6), sampling, NO_EOS, 1))).await();
        GenerationEvent.Token token = (GenerationEvent.Token) collector.events.getFirst();
        assertThat(token.logprob()).isNotNull();
        assertThat(token.logprob().tokenId()).isEqualTo(token.tokenId());
        assertThat(token.logprob().token()).isEqualTo(token.text());
        assertThat(new String(token.logprob().bytes(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(token.text());
        assertThat(token.logprob().top()).hasSize(3);
        assertThat(token.logprob().top().getFirst().tokenId()).as("greedy picks the top alternative")
                .isEqualTo(token.tokenId());
        assertThat(token.logprob().logprob()).isNegative();
    }

    @Test
    void subscriberRequestingOneEventAtATimeGetsEveryEventInOrder() {
        LocalInferenceEngine engine = engine(Config.roomy());
        GenerationRequest request = request("slow", prompt(16, 9), 25);
        List<Integer> eager = run(engine, request);
        EventCollector slow = EventCollector.of(engine.submit(request("slow-2", prompt(16, 9), 25)), 1).await();
        assertThat(slow.tokens(0)).isEqualTo(eager);
        assertThat(slow.events).hasSize(25 + 2);
    }

    @Test
    void metersCountTokensPerTenantAndStatusReflectsThePool() throws Exception {
        LocalInferenceEngine engine = engine(Config.roomy());
        EventCollector.of(engine.submit(request("m1", "tenant-a", prompt(17, 9), SamplingParams.greedy(6), NO_EOS, 1)))
                .await();
        EventCollector.of(engine.submit(request("m2", "tenant-b", prompt(18, 9), SamplingParams.greedy(4), NO_EOS, 1)))
                .await();
        awaitNoReferencedBlocks(engine);

        assertThat(registry.get("moe.engine.generated.tokens").counter().count()).isEqualTo(10);
        assertThat(registry.get("moe.engine.tenant.generated.tokens").tag("tenant", "tenant-a").counter().count())
                .isEqualTo(6);
        assertThat(registry.get("moe.engine.prompt.tokens").counter().count()).isEqualTo(18);
        assertThat(registry.get("moe.engine.time.to.first.token").timer().count()).isEqualTo(2);
        assertThat(registry.get("moe.engine.inter.token.latency").timer().count()).isEqualTo(5 + 3);
        assertThat(registry.get("moe.engine.step.time").timer().count()).isPositive();
        assertThat(registry.get("moe.engine.kv.blocks.free").gauge().value()
                + registry.get("moe.engine.kv.blocks.used").gauge().value()).isEqualTo(512);
        var status = engine.status();
        assertThat(status.ready()).isTrue();
        assertThat(status.backend()).isEqualTo("cpu");
        assertThat(status.kvBlocksTotal()).isEqualTo(512);
        assertThat(status.tokensPerSecond()).isPositive();
        assertThat(status.models()).singleElement().satisfies(m -> assertThat(m.id()).isEqualTo("toy"));
    }

    @Test
    void logitRowsBeyondTheTokenizersVocabularyAreNeverSampled() {
        ToyExecutor own = new ToyExecutor(4, 512, 512);
        ToyTokenizer tokenizer = new ToyTokenizer(20);
        ServedModel model = new ServedModel("toy", own, tokenizer, new JoiningCodec(tokenizer, 512, " "), Set.of());
        EngineOptions options = new EngineOptions(Path.of("toy"), "toy", Device.CPU, 1, 4, 0, 256, 16, 64,
                Duration.ofSeconds(30), true, false);
        LocalInferenceEngine engine = new LocalInferenceEngine(model, options, new SimpleMeterRegistry());
        engines.add(engine);
        SamplingParams sampling = new SamplingParams(1.5f, 0, 1f, 0f, 5L, 0f, 0f, 1f, 200, false, 0);
        EventCollector collector = EventCollector
                .of(engine.submit(request("padded", "tenant-a", new int[]{1, 2, 3}, sampling, NO_EOS, 1))).await();
        assertThat(collector.tokens(0)).hasSize(200).allSatisfy(id -> assertThat(id).isBetween(0, 19));
        assertInvalid(engine, request("beyond", new int[]{1, 20}, 5), "prompt", "outside the model's vocabulary");
    }

    @Test
    void cudaDeviceFailsWithClearMessageWhereCudaIsUnavailable() {
        assumeFalse(CudaAvailability.isAvailable(), "this machine has a working CUDA backend");
        EngineOptions options = new EngineOptions(Path.of("model"), "m", Device.CUDA, 1, 16, 0, 256, 8, 8,
                Duration.ofSeconds(1), true, false);
        assertThatThrownBy(() -> LocalInferenceEngine.start(options)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the CUDA backend is not available")
                .hasMessageContaining(CudaAvailability.unavailabilityCause().getMessage())
                .hasMessageContaining("auto or cpu");
    }

    @Test
    void closingCancelsWhatIsInFlight() {
        LocalInferenceEngine engine = engine(Config.roomy());
        EventCollector collector = EventCollector.of(engine.submit(request("endless", prompt(19, 9), 400)));
        engine.close();
        collector.await();
        assertThat(collector.finish(0)).isEqualTo(FinishReason.CANCELLED);
    }
}
