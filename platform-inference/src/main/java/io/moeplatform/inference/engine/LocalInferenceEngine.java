package io.moeplatform.inference.engine;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.EngineOverloadedException;
import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.GenerationFailedException;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.InvalidLoraAdapterException;
import io.moeplatform.inference.LoraAdapterInfo;
import io.moeplatform.inference.ModelInfo;
import io.moeplatform.inference.ModelNotFoundException;
import io.moeplatform.inference.PromptCodec;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.engine.schedule.Scheduler;
import io.moeplatform.inference.lora.LoraAdapters;
import io.moeplatform.inference.lora.LoraOptions;
import io.moeplatform.inference.lora.PeftAdapterReader;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.DecoderModelExecutor;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.sampling.Samplers;
import io.moeplatform.inference.text.HfPromptCodec;
import io.moeplatform.inference.text.ModelTextAssets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The engine of one served model in this process. {@link #submit} validates
 * and queues without waiting for the engine; one engine-loop thread runs steps:
 * it takes new and cancelled requests, expires requests that waited too long,
 * asks the {@link Scheduler} for the next batch, runs the model's forward pass,
 * samples and streams tokens. A failure inside a step fails the requests of
 * that step (logged with their ids) and the loop goes on.
 */
public final class LocalInferenceEngine implements InferenceEngine {

    private static final int MAX_TENANT_TAGS = 20;

    private final ServedModel model;
    private final SamplerFactory samplers;
    private final EngineOptions options;
    private final String backendNote;
    private final RequestValidator validator;
    private final Executor delivery = task -> Thread.ofVirtual().name("moe-engine-events").start(task);
    private final AtomicLong arrivals = new AtomicLong();
    private final EngineLoop loop;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final @Nullable LoraAdapters lora;

    /**
     * Starts an engine for a model directory on the device {@code options} selects (see {@link ExecutorSelection}):
     * {@code cuda} fails when CUDA is not available here, {@code auto} falls back to the CPU and says why in
     * {@link EngineStatus#backendNote()}.
     */
    public static LocalInferenceEngine start(EngineOptions options) {
        return start(options, new SimpleMeterRegistry());
    }

    /**
     * As {@link #start(EngineOptions)}, with the engine's meters on {@code registry}. Loads the weights with the
     * selected executor and the tokenizer and chat template from the same directory; end-of-sequence tokens are those
     * of generation_config.json plus the tokenizer config's {@code eos_token}.
     */
    public static LocalInferenceEngine start(EngineOptions options, MeterRegistry registry) {
        return start(options, LoraOptions.DEFAULTS, registry);
    }

    /** As {@link #start(EngineOptions, MeterRegistry)}, with LoRA settings. */
    public static LocalInferenceEngine start(EngineOptions options, LoraOptions loraOptions, MeterRegistry registry) {
        return start(options, loraOptions, registry, ExecutorSelection.CudaSupport.standard());
    }

    /** As {@link #start(EngineOptions, MeterRegistry)} with the given view of the CUDA backend (tests). */
    static LocalInferenceEngine start(EngineOptions options, MeterRegistry registry,
            ExecutorSelection.CudaSupport cuda) {
        return start(options, LoraOptions.DEFAULTS, registry, cuda);
    }

    private static LocalInferenceEngine start(EngineOptions options, LoraOptions loraOptions, MeterRegistry registry,
            ExecutorSelection.CudaSupport cuda) {
        return start(options, loraOptions, registry, cuda, executor -> {
            ModelTextAssets text = ModelTextAssets.load(options.modelPath());
            try {
                Set<Integer> eos = new HashSet<>(executor.generationConfig().eosTokenIds());
                eos.addAll(text.endOfSequenceIds());
                return new ServedModel(servedModelName(options), executor, text.tokenizer(),
                        HfPromptCodec.of(text, executor.contextLength()), eos);
            } catch (RuntimeException e) {
                text.close();
                throw e;
            }
        });
    }

    /**
     * As {@link #start(EngineOptions, MeterRegistry)} for a model directory without tokenizer files (benchmarks with
     * dummy weights): prompts are token ids, text is the ids as {@link IdTokenizer} writes them, no chat template.
     */
    public static LocalInferenceEngine startWithTokenIds(EngineOptions options, MeterRegistry registry) {
        return start(options, LoraOptions.DEFAULTS, registry, ExecutorSelection.CudaSupport.standard(), executor -> {
            IdTokenizer tokenizer = new IdTokenizer(executor.vocabularySize());
            return new ServedModel(servedModelName(options), executor, tokenizer,
                    new JoiningCodec(tokenizer, executor.contextLength(), "\n"),
                    new HashSet<>(executor.generationConfig().eosTokenIds()));
        });
    }

    private static LocalInferenceEngine start(EngineOptions options, LoraOptions loraOptions, MeterRegistry registry,
            ExecutorSelection.CudaSupport cuda, Function<DecoderModelExecutor, ServedModel> serve) {
        ExecutorSelection.Selected selected = ExecutorSelection.open(options, cuda);
        DecoderModelExecutor executor = selected.executor();
        try {
            ServedModel model = serve.apply(executor);
            try {
                return new LocalInferenceEngine(model, standardSamplers(model), options,
                        loraAdapters(model, loraOptions), registry, selected.note(), true);
            } catch (RuntimeException e) {
                model.tokenizer().close();
                throw e;
            }
        } catch (RuntimeException e) {
            executor.close();
            throw e;
        }
    }

    private static String servedModelName(EngineOptions options) {
        if (!options.servedModelName().isBlank()) {
            return options.servedModelName();
        }
        Path name = options.modelPath().toAbsolutePath().normalize().getFileName();
        return name == null ? "model" : name.toString();
    }

    private static SamplerFactory standardSamplers(ServedModel model) {
        return (params, seed) -> Samplers.create(params, seed, model.executor().vocabularySize());
    }

    /** An engine over an already loaded model with the standard samplers. */
    public LocalInferenceEngine(ServedModel model, EngineOptions options, MeterRegistry registry) {
        this(model, standardSamplers(model), options, loraAdapters(model, LoraOptions.DEFAULTS), registry, "", true);
    }

    /**
     * An engine over an already loaded model, e.g. in tests. The engine owns the
     * model from now on and closes its executor and tokenizer.
     */
    public LocalInferenceEngine(ServedModel model, SamplerFactory samplers, EngineOptions options,
            MeterRegistry registry) {
        this(model, samplers, options, LoraOptions.DEFAULTS, registry);
    }

    /** As {@link #LocalInferenceEngine(ServedModel, SamplerFactory, EngineOptions, MeterRegistry)}, with LoRA settings. */
    public LocalInferenceEngine(ServedModel model, SamplerFactory samplers, EngineOptions options,
            LoraOptions loraOptions, MeterRegistry registry) {
        this(model, samplers, options, loraAdapters(model, loraOptions), registry, "", false);
    }

    /** With given LoRA adapters (tests that control loading). */
    LocalInferenceEngine(ServedModel model, EngineOptions options, @Nullable LoraAdapters lora,
            MeterRegistry registry) {
        this(model, standardSamplers(model), options, lora, registry, "", true);
    }

    /** {@code standardSamplers}: the executor may pick plain greedy tokens itself (see {@link EngineLoop}). */
    private LocalInferenceEngine(ServedModel model, SamplerFactory samplers, EngineOptions options,
            @Nullable LoraAdapters lora, MeterRegistry registry, String backendNote, boolean standardSamplers) {
        this.model = model;
        this.samplers = samplers;
        this.options = options;
        this.backendNote = backendNote;
        KvCacheGeometry geometry = model.executor().kvCacheGeometry();
        this.validator = new RequestValidator(
                Math.min(model.executor().vocabularySize(), model.tokenizer().vocabularySize()),
                model.executor().contextLength(),
                geometry.blockCount() * geometry.blockSize(), options.maxRunningSequences());
        this.lora = lora;
        this.loop = new EngineLoop(model, options,
                snapshot -> new EngineMetrics(registry, model.name(), MAX_TENANT_TAGS, snapshot), standardSamplers,
                lora);
    }

    /** The adapters of a model whose executor applies LoRA, else null. */
    static @Nullable LoraAdapters loraAdapters(ServedModel model, LoraOptions options) {
        return model.executor().supportsLoraAdapters() && model.executor() instanceof DecoderModelExecutor d
                ? new LoraAdapters(new PeftAdapterReader(d.config(), options.maxRank()), options.maxLoaded())
                : null;
    }

    @Override
    public List<ModelInfo> models() {
        return List.of(new ModelInfo(model.name(), model.executor().architecture(), model.executor().contextLength(),
                model.executor().backend(), List.of()));
    }

    @Override
    public PromptCodec codec(String modelId) {
        requireModel(modelId);
        return model.codec();
    }

    private void requireModel(String modelId) {
        if (!model.name().equals(modelId)) {
            throw new ModelNotFoundException(modelId);
        }
    }

    @Override
    public GenerationHandle submit(GenerationRequest request) {
        requireModel(request.modelId());
        validator.validate(request);
        LoraAdapters.Registration adapter = request.loraAdapterId() == null ? null : adapter(request.loraAdapterId());
        if (adapter != null) {
            // steps and the prefix cache see the registration's key: KV is never shared across adapters or versions
            request = new GenerationRequest(request.requestId(), request.modelId(), request.tenantId(),
                    request.schedulingClass(), request.promptTokenIds(), request.sampling(), request.stop(),
                    request.n(), adapter.key(), request.prefixCacheSalt() + "\u0000lora:" + adapter.key());
        }
        List<ChoiceOutput> choices = choices(request);
        if (loop.stopped()) {
            throw new EngineOverloadedException("The engine is shutting down; retry on another replica");
        }
        InFlightRequest inFlightRequest = new InFlightRequest(request, arrivals.getAndIncrement(), System.nanoTime(),
                delivery, choices, loop::cancel);
        if (adapter == null || lora == null) {
            offer(inFlightRequest);
            return inFlightRequest;
        }
        LoraAdapters adapters = lora;
        String key = adapter.key();
        CompletableFuture<AdapterWeights> weights = adapters.acquire(adapter);
        inFlightRequest.onEnd(() -> adapters.release(key));
        if (weights.isDone() && !weights.isCompletedExceptionally()) {
            try {
                offer(inFlightRequest);
            } catch (RuntimeException e) {
                adapters.release(key);
                throw e;
            }
            return inFlightRequest;
        }
        // the adapter is loading: the request joins the queue when it is in memory; running requests go on
        weights.whenComplete((loaded, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                inFlightRequest.fail(new GenerationFailedException("The LoRA adapter '" + adapter.id()
                        + "' could not be loaded; it was logged", cause));
            } else if (!loop.offer(inFlightRequest)) {
                inFlightRequest.fail(overloaded());
            }
        });
        return inFlightRequest;
    }

    private void offer(InFlightRequest request) {
        if (!loop.offer(request)) {
            throw overloaded();
        }
    }

    private EngineOverloadedException overloaded() {
        return new EngineOverloadedException("The engine's queue is full (" + options.maxQueuedRequests()
                + " requests waiting for admission); retry later");
    }

    private LoraAdapters.Registration adapter(String id) {
        if (lora == null) {
            throw new InvalidGenerationRequestException("LoRA adapters are not supported by the "
                    + model.executor().backend() + " backend of model " + model.name()
                    + " yet; send the request without an adapter or serve the model on the CPU backend",
                    "lora_adapter", "lora_not_supported");
        }
        LoraAdapters.Registration registration = lora.registration(id);
        if (registration == null) {
            throw new InvalidGenerationRequestException("The LoRA adapter '" + id + "' does not exist for model "
                    + model.name(), "lora_adapter", "adapter_not_found");
        }
        return registration;
    }

    @Override
    public LoraAdapterInfo validateLoraAdapter(String modelId, Path directory) {
        return requireLora(modelId).validate(directory);
    }

    @Override
    public LoraAdapterInfo registerLoraAdapter(String modelId, String adapterId, Path directory) {
        return requireLora(modelId).register(adapterId, directory);
    }

    @Override
    public void unregisterLoraAdapter(String modelId, String adapterId) {
        requireLora(modelId).unregister(adapterId);
    }

    private LoraAdapters requireLora(String modelId) {
        requireModel(modelId);
        if (lora == null) {
            throw new InvalidLoraAdapterException("LoRA adapters are not supported by the "
                    + model.executor().backend() + " backend of model " + model.name() + " yet", null);
        }
        return lora;
    }

    private List<ChoiceOutput> choices(GenerationRequest request) {
        SamplingParams sampling = request.sampling();
        long seed = sampling.seed() != null ? sampling.seed() : ThreadLocalRandom.current().nextLong();
        BitSet prompt = new BitSet();
        for (int tokenId : request.promptTokenIds()) {
            prompt.set(tokenId);
        }
        List<ChoiceOutput> choices = new ArrayList<>(request.n());
        for (int choice = 0; choice < request.n(); choice++) {
            try {
                choices.add(new ChoiceOutput(samplers.create(sampling, seed + choice), new TokenCounts(prompt),
                        model.tokenizer().newDetokenizer(true), request.stop(), model.eosTokenIds()));
            } catch (IllegalArgumentException e) {
                throw new InvalidGenerationRequestException(e.getMessage(), null, null);
            }
        }
        return choices;
    }

    @Override
    public EngineStatus status() {
        EngineMetrics.EngineStatusSnapshot now = loop.snapshot();
        return new EngineStatus(!loop.stopped(), model.executor().backend(), backendNote, models(),
                now.runningSequences(), now.waitingRequests(), now.kvBlocksUsed(), now.kvBlocksTotal(),
                loop.prefixCacheHitRate(), loop.metrics().tokensPerSecond(System.nanoTime()),
                model.executor().deviceMemory().orElse(null));
    }

    /** KV blocks held by sequences after the last step, for leak checks. */
    int referencedKvBlocks() {
        return loop.referencedKvBlocks();
    }

    /** Cancels what is in flight, stops the loop, then closes the model. Idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            loop.stop();
            if (lora != null) {
                lora.close();
            }
            model.executor().close();
            model.tokenizer().close();
        }
    }
}
