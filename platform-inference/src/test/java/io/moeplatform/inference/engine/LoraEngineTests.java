package io.moeplatform.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.FinishReason;
import io.moeplatform.inference.GenerationFailedException;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.InvalidLoraAdapterException;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.SchedulingClass;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.cpu.CpuExecutorOptions;
import io.moeplatform.inference.cpu.CpuModelExecutor;
import io.moeplatform.inference.lora.LoraAdapters;
import io.moeplatform.inference.lora.LoraOptions;
import io.moeplatform.inference.lora.PeftAdapterReader;
import io.moeplatform.inference.lora.TestAdapters;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.sampling.Samplers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA through the engine on the tiny qwen2_moe checkpoint and its PEFT golden adapter: requests name adapters by id,
 * mixed batches, prefix-cache isolation, background loading that never stalls other requests, and clear errors.
 */
class LoraEngineTests {

    private static final StopConditions NO_EOS = new StopConditions(List.of(), Set.of(), true);
    private static final String MODEL = "qwen2-tiny";
    private final List<LocalInferenceEngine> engines = new ArrayList<>();
    private final GoldenCase base = GoldenCase.load("qwen2_moe");
    private final GoldenCase golden = GoldenCase.loadResource("/golden/lora/qwen2_moe/attn_shared_r8",
            "qwen2_moe/attn_shared_r8");

    @TempDir
    Path temp;

    @AfterEach
    void close() {
        engines.forEach(LocalInferenceEngine::close);
    }

    private ServedModel model() {
        CpuModelExecutor executor = CpuModelExecutor.open(base.directory(), new CpuExecutorOptions(1, 4, 0, 128,
                false));
        IdTokenizer tokenizer = new IdTokenizer(executor.vocabularySize());
        return new ServedModel(MODEL, executor, tokenizer, new JoiningCodec(tokenizer, 128, ""),
                new HashSet<>(executor.generationConfig().eosTokenIds()));
    }

    private static EngineOptions options(boolean prefixCaching) {
        return new EngineOptions(Path.of("unused"), MODEL, Device.CPU, 1, 4, 0, 64, 8, 16, Duration.ofSeconds(30),
                prefixCaching, false);
    }

    private LocalInferenceEngine engine(boolean prefixCaching) {
        LocalInferenceEngine engine = new LocalInferenceEngine(model(), (p, seed) -> Samplers.create(p, seed, 256),
                options(prefixCaching), new LoraOptions(2, 64), new SimpleMeterRegistry());
        engines.add(engine);
        return engine;
    }

    private static GenerationRequest request(String id, int[] prompt, int maxTokens, @Nullable String adapter) {
        return new GenerationRequest(id, MODEL, "tenant", SchedulingClass.DEFAULT, prompt,
                SamplingParams.greedy(maxTokens), NO_EOS, 1, adapter, "tenant");
    }

    @Test
    void adapterRequestsGivePeftsGreedyTokensBesideBaseRequests() throws Exception {
        LocalInferenceEngine engine = new LocalInferenceEngine(model(), options(false), null,
                new SimpleMeterRegistry());
        engines.add(engine);
        // not a CPU executor wrapper: the engine was given no adapters
        assertThatThrownBy(() -> engine.submit(request("x", golden.prompt(), 8, "a")))
                .isInstanceOfSatisfying(InvalidGenerationRequestException.class,
                        e -> assertThat(e.code()).isEqualTo("lora_not_supported"))
                .hasMessageContaining("not supported by the cpu backend");

        LocalInferenceEngine lora = engine(false);
        lora.registerLoraAdapter(MODEL, "a", golden.directory());
        lora.registerLoraAdapter(MODEL, "b", TestAdapters.rescaledCopy(golden.directory(), temp.resolve("b")));
        List<Integer> bAlone = EventCollector.of(lora.submit(request("b0", golden.prompt(), 8, "b"))).await()
                .tokens(0);
        // adapter a, base and adapter b in the same steps
        EventCollector a = EventCollector.of(lora.submit(request("a", golden.prompt(), 8, "a")));
        EventCollector plain = EventCollector.of(lora.submit(request("base", base.prompt(), 8, null)));
        EventCollector b = EventCollector.of(lora.submit(request("b", golden.prompt(), 8, "b")));
        assertThat(a.await().tokens(0)).isEqualTo(ints(golden.greedy()));
        assertThat(plain.await().tokens(0)).isEqualTo(ints(base.greedy()));
        assertThat(b.await().tokens(0)).isEqualTo(bAlone).isNotEqualTo(ints(golden.greedy()));
        awaitNoReferencedBlocks(lora);
    }

    @Test
    void prefixCacheIsNeverSharedAcrossAdapters() throws Exception {
        LocalInferenceEngine engine = engine(true);
        engine.registerLoraAdapter(MODEL, "a", golden.directory());
        int[] prompt = Arrays.copyOf(golden.allTokens(), 17);
        assertThat(cached(engine, request("1", prompt, 2, "a"))).isZero();
        assertThat(cached(engine, request("2", prompt, 2, null))).as("base after adapter").isZero();
        assertThat(cached(engine, request("3", prompt, 2, "a"))).as("same adapter again").isEqualTo(16);
        // registering the id again is a new adapter version: no KV of the old one
        engine.registerLoraAdapter(MODEL, "a", golden.directory());
        assertThat(cached(engine, request("4", prompt, 2, "a"))).as("re-registered").isZero();
    }

    @Test
    void loadingAnAdapterDoesNotStallRunningRequests() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LocalInferenceEngine engine = engineLoadingAfter(release);
        GenerationHandle waiting = engine.submit(request("slow", golden.prompt(), 8, "slow"));
        EventCollector slow = EventCollector.of(waiting);
        // a base request runs to the end while the adapter is still loading
        EventCollector plain = EventCollector.of(engine.submit(request("base", base.prompt(), 8, null))).await();
        assertThat(plain.tokens(0)).isEqualTo(ints(base.greedy()));
        assertThat(slow.tokens(0)).isEmpty();
        release.countDown();
        assertThat(slow.await().tokens(0)).isEqualTo(ints(golden.greedy()));
    }

    @Test
    void cancellingWhileTheAdapterLoadsEndsTheRequest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        LocalInferenceEngine engine = engineLoadingAfter(release);
        GenerationHandle handle = engine.submit(request("c", golden.prompt(), 8, "slow"));
        EventCollector events = EventCollector.of(handle);
        handle.cancel();
        release.countDown();
        assertThat(events.await().finish(0)).isEqualTo(FinishReason.CANCELLED);
        assertThat(events.tokens(0)).isEmpty();
        awaitNoReferencedBlocks(engine);
    }

    @Test
    void anAdapterThatCannotBeLoadedFailsItsRequestsOnly() throws Exception {
        LocalInferenceEngine engine = engine(false);
        Path copy = TestAdapters.rescaledCopy(golden.directory(), temp.resolve("gone"));
        engine.registerLoraAdapter(MODEL, "gone", copy);
        Files.delete(copy.resolve(PeftAdapterReader.WEIGHTS_FILE));
        Throwable error = EventCollector.of(engine.submit(request("g", golden.prompt(), 4, "gone"))).awaitError();
        assertThat(error).isInstanceOf(GenerationFailedException.class)
                .hasMessageContaining("LoRA adapter 'gone' could not be loaded");
        assertThat(EventCollector.of(engine.submit(request("base", base.prompt(), 8, null))).await().tokens(0))
                .isEqualTo(ints(base.greedy()));
    }

    @Test
    void unknownAndInvalidAdaptersAreClearErrors() {
        LocalInferenceEngine engine = engine(false);
        assertThatThrownBy(() -> engine.submit(request("u", golden.prompt(), 4, "nope")))
                .isInstanceOfSatisfying(InvalidGenerationRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("adapter_not_found");
                    assertThat(e.param()).isEqualTo("lora_adapter");
                }).hasMessage("The LoRA adapter 'nope' does not exist for model " + MODEL);
        Path experts = GoldenCase.loadResource("/golden/lora/qwen3_moe/attn_rslora_r4", "qwen3").directory();
        assertThatThrownBy(() -> engine.registerLoraAdapter(MODEL, "x", experts))
                .isInstanceOf(InvalidLoraAdapterException.class).hasMessageContaining("target_parameters");
        assertThat(engine.validateLoraAdapter(MODEL, golden.directory()).rank()).isEqualTo(8);
        engine.registerLoraAdapter(MODEL, "a", golden.directory());
        engine.unregisterLoraAdapter(MODEL, "a");
        assertThatThrownBy(() -> engine.submit(request("u", golden.prompt(), 4, "a")))
                .isInstanceOf(InvalidGenerationRequestException.class);
    }

    /** An engine whose adapter "slow" (the golden adapter) finishes loading only after {@code release}. */
    private LocalInferenceEngine engineLoadingAfter(CountDownLatch release) {
        ServedModel model = model();
        PeftAdapterReader reader = new PeftAdapterReader(((CpuModelExecutor) model.executor()).config(), 64);
        LoraAdapters adapters = new LoraAdapters(reader, (key, dir) -> {
            await(release);
            return reader.read(key, dir).weights();
        }, 2);
        LocalInferenceEngine engine = new LocalInferenceEngine(model, options(false), adapters,
                new SimpleMeterRegistry());
        engines.add(engine);
        adapters.register("slow", golden.directory());
        return engine;
    }

    private static int cached(LocalInferenceEngine engine, GenerationRequest request) {
        return EventCollector.of(engine.submit(request)).await().usage().cachedPromptTokens();
    }

    private static List<Integer> ints(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitNoReferencedBlocks(LocalInferenceEngine engine) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (engine.referencedKvBlocks() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(engine.referencedKvBlocks()).isZero();
    }
}
