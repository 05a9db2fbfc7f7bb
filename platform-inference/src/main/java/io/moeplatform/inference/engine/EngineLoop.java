package io.moeplatform.inference.engine;

import io.moeplatform.inference.EngineOverloadedException;
import io.moeplatform.inference.GenerationFailedException;
import io.moeplatform.inference.SamplingParams;
import io.moeplatform.inference.engine.kv.KvBlockAllocator;
import io.moeplatform.inference.engine.schedule.Scheduler;
import io.moeplatform.inference.engine.schedule.SchedulerLimits;
import io.moeplatform.inference.engine.schedule.Sequence;
import io.moeplatform.inference.engine.schedule.SequenceGroup;
import io.moeplatform.inference.engine.schedule.StepPlan;
import io.moeplatform.inference.lora.LoraAdapters;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import io.moeplatform.inference.sampling.SampledToken;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine-loop thread and everything only it touches: the scheduler, the KV
 * allocator and the requests in flight. Each turn takes new and cancelled
 * requests, expires requests that waited too long, asks the {@link Scheduler}
 * for the next batch, runs the forward pass, samples and streams tokens. A
 * failure inside a step fails the requests of that step (logged with their ids)
 * and the loop goes on. Other threads only hand requests over through
 * concurrent queues and read the published snapshot.
 */
final class EngineLoop {

    private static final Logger log = LoggerFactory.getLogger(EngineLoop.class);
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long QUEUE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final ServedModel model;
    private final EngineOptions options;
    private final KvBlockAllocator allocator;
    private final Scheduler scheduler;
    private final EngineMetrics metrics;
    /** Whether greedy rows may be sampled by the executor (true with the standard samplers). */
    private final boolean executorGreedy;
    private final int greedyVocabulary;
    private final ConcurrentLinkedQueue<InFlightRequest> submissions = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<InFlightRequest> cancellations = new ConcurrentLinkedQueue<>();
    /** Requests submitted and not yet admitted, cancelled, expired or failed: the bounded queue. */
    private final AtomicInteger queued = new AtomicInteger();
    /** Requests the loop knows about and that have not ended. */
    private final Set<InFlightRequest> inFlight = new LinkedHashSet<>();
    private final Thread loop;
    private volatile boolean closed;
    private volatile boolean loopEnded;
    private volatile EngineMetrics.EngineStatusSnapshot snapshot;
    private volatile double prefixCacheHitRate;
    private volatile int snapshotReferenced;
    private long reportedPreemptions;
    private final @Nullable LoraAdapters lora;

    EngineLoop(ServedModel model, EngineOptions options,
            Function<Supplier<EngineMetrics.EngineStatusSnapshot>, EngineMetrics> metrics, boolean executorGreedy) {
        this(model, options, metrics, executorGreedy, null);
    }

    /** With the LoRA adapters whose loaded weights steps pass to the executor. */
    EngineLoop(ServedModel model, EngineOptions options,
            Function<Supplier<EngineMetrics.EngineStatusSnapshot>, EngineMetrics> metrics, boolean executorGreedy,
            @Nullable LoraAdapters lora) {
        this.lora = lora;
        this.model = model;
        this.options = options;
        this.executorGreedy = executorGreedy;
        int tokens = model.tokenizer().vocabularySize();
        int rows = model.executor().vocabularySize();
        this.greedyVocabulary = tokens > 0 && tokens < rows ? tokens : rows;
        KvCacheGeometry geometry = model.executor().kvCacheGeometry();
        this.allocator = new KvBlockAllocator(geometry.blockCount(), geometry.blockSize());
        this.scheduler = new Scheduler(allocator,
                new SchedulerLimits(options.maxBatchTokens(), options.maxRunningSequences(), options.prefixCaching()));
        this.snapshot = new EngineMetrics.EngineStatusSnapshot(0, 0, 0, geometry.blockCount());
        this.metrics = metrics.apply(() -> snapshot);
        this.loop = Thread.ofPlatform().name("moe-engine-loop-" + model.name()).daemon().unstarted(this::runLoop);
        loop.start();
    }

    /**
     * Hands a request to the loop unless the bounded queue is full (then false).
     */
    boolean offer(InFlightRequest request) {
        int limit = options.maxQueuedRequests();
        if (queued.getAndUpdate(count -> count < limit ? count + 1 : count) >= limit) {
            return false;
        }
        submissions.add(request);
        LockSupport.unpark(loop);
        if (loopEnded && submissions.remove(request)) {
            // stop() won the race: the loop will never see this request, so end it here
            request.cancelled(System.nanoTime());
        }
        return true;
    }

    void cancel(InFlightRequest request) {
        cancellations.add(request);
        LockSupport.unpark(loop);
    }

    boolean stopped() {
        return closed;
    }

    /** Ends the loop after cancelling everything in flight; waits for it. */
    void stop() {
        closed = true;
        LockSupport.unpark(loop);
        try {
            loop.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    EngineMetrics.EngineStatusSnapshot snapshot() {
        return snapshot;
    }

    double prefixCacheHitRate() {
        return prefixCacheHitRate;
    }

    EngineMetrics metrics() {
        return metrics;
    }

    /**
     * KV blocks held by sequences after the last step (cached but unreferenced
     * blocks not counted), for leak checks.
     */
    int referencedKvBlocks() {
        return snapshotReferenced;
    }

    private void runLoop() {
        while (!closed) {
            try {
                takeSubmissions();
                takeCancellations();
                expireWaiting();
                StepPlan plan = scheduler.schedule();
                if (plan.isEmpty()) {
                    publishSnapshot();
                    LockSupport.parkNanos(scheduler.waitingRequests() > 0 ? QUEUE_CHECK_NANOS : IDLE_PARK_NANOS);
                    continue;
                }
                runStep(plan);
                publishSnapshot();
            } catch (RuntimeException | Error e) {
                log.error("Engine loop failed outside a step; failing every request in flight", e);
                failAll(e);
            }
        }
        loopEnded = true;
        takeSubmissions();
        long now = System.nanoTime();
        for (InFlightRequest request : List.copyOf(inFlight)) {
            scheduler.abort(request);
            request.cancelled(now);
        }
        inFlight.clear();
        publishSnapshot();
    }

    private void takeSubmissions() {
        for (InFlightRequest request; (request = submissions.poll()) != null;) {
            if (request.cancelRequested()) {
                // cancelled while its LoRA adapter was loading: the cancellation found nothing to cancel
                leaveQueue(request);
                request.cancelled(System.nanoTime());
                continue;
            }
            inFlight.add(request);
            scheduler.enqueue(request);
        }
    }

    private void takeCancellations() {
        long now = System.nanoTime();
        for (InFlightRequest request; (request = cancellations.poll()) != null;) {
            if (inFlight.remove(request)) {
                scheduler.abort(request);
                leaveQueue(request);
                request.cancelled(now);
            }
        }
    }

    private void expireWaiting() {
        Duration timeout = options.queueTimeout();
        if (timeout.isZero() || timeout.isNegative()) {
            return; // no queue time limit configured
        }
        long now = System.nanoTime();
        for (SequenceGroup group : scheduler.expireWaiting(now - timeout.toNanos())) {
            InFlightRequest request = (InFlightRequest) group;
            inFlight.remove(request);
            leaveQueue(request);
            request.fail(new EngineOverloadedException("The request waited longer than the queue time limit of "
                    + timeout.toMillis() + " ms for a place in the batch; retry later"));
        }
    }

    private void leaveQueue(InFlightRequest request) {
        if (request.leaveQueue()) {
            queued.decrementAndGet();
        }
    }

    private void runStep(StepPlan plan) {
        long start = System.nanoTime();
        List<Sequence> scheduled = plan.sequences();
        List<Sequence> sampling = new ArrayList<>();
        Set<InFlightRequest> requests = new LinkedHashSet<>();
        for (Sequence sequence : scheduled) {
            InFlightRequest request = (InFlightRequest) sequence.group();
            requests.add(request);
            if (request.leaveQueue()) {
                queued.decrementAndGet();
                metrics.admitted(sequence.promptLength(), request.cachedPromptTokens());
            }
            request.scheduled(start);
            if (plan.samples(sequence)) {
                sampling.add(sequence);
            }
        }
        reportPreemptions();
        StepBatch batch = withGreedyRows(plan.batch(), sampling);
        StepResult result;
        try {
            batch = withAdapters(batch);
            result = model.executor().forward(batch);
            if (result.rows() != sampling.size()) {
                throw new IllegalStateException("executor returned " + result.rows() + " output rows for "
                        + sampling.size() + " slices that asked for them");
            }
        } catch (RuntimeException e) {
            fail(requests, e);
            return;
        }
        scheduler.complete(plan);
        long now = System.nanoTime();
        for (int row = 0; row < sampling.size(); row++) {
            Sequence sequence = sampling.get(row);
            InFlightRequest request = (InFlightRequest) sequence.group();
            if (request.done()) {
                continue;
            }
            try {
                sampleAndEmit(request, sequence, result, row, now);
            } catch (RuntimeException e) {
                fail(Set.of(request), e);
            }
        }
        metrics.step(System.nanoTime() - start, scheduled.size(), batch.tokenCount());
    }

    /** The batch with the loaded weights of the adapters its slices name (pinned by their requests). */
    private StepBatch withAdapters(StepBatch batch) {
        if (lora == null) {
            return batch;
        }
        Map<String, AdapterWeights> adapters = new java.util.HashMap<>();
        for (var slice : batch.slices()) {
            String key = slice.loraAdapterId();
            if (key != null && !adapters.containsKey(key)) {
                AdapterWeights weights = lora.loaded(key);
                if (weights == null) {
                    throw new IllegalStateException("LoRA adapter " + key + " is not loaded");
                }
                adapters.put(key, weights);
            }
        }
        return adapters.isEmpty()
                ? batch
                : new StepBatch(batch.slices(), batch.greedyRows(), batch.greedyVocabulary(), adapters);
    }

    /**
     * Marks the output rows whose token is plain greedy (temperature 0, no penalties, no logprobs, one choice) so
     * that the executor may choose it where the logits are (on the GPU) and return only the id; the standard
     * sampler would pick the same token: the first maximum over the tokenizer's tokens.
     */
    private StepBatch withGreedyRows(StepBatch batch, List<Sequence> sampling) {
        if (!executorGreedy) {
            return batch;
        }
        BitSet greedy = new BitSet();
        for (int row = 0; row < sampling.size(); row++) {
            InFlightRequest request = (InFlightRequest) sampling.get(row).group();
            if (plainGreedy(request.request().sampling()) && request.request().n() == 1) {
                greedy.set(row);
            }
        }
        return greedy.isEmpty() ? batch : new StepBatch(batch.slices(), greedy, greedyVocabulary);
    }

    private static boolean plainGreedy(SamplingParams p) {
        return p.temperature() == 0f && !p.logprobs() && p.presencePenalty() == 0f && p.frequencyPenalty() == 0f
                && p.repetitionPenalty() == 1f;
    }

    private void sampleAndEmit(InFlightRequest request, Sequence sequence, StepResult result, int row, long now) {
        float[] logits = result.logits()[row];
        if (logits != null) {
            maskPaddedVocabulary(logits);
        }
        List<Sequence> choices = scheduler.fork(sequence);
        int maxTokens = request.request().sampling().maxTokens();
        int contextLength = model.executor().contextLength();
        for (Sequence choice : choices) {
            ChoiceOutput output = request.choice(choice.choice());
            SampledToken sampled = logits == null
                    ? new SampledToken(result.tokenIds()[row], Float.NaN, new int[0], new float[0])
                    : output.sampler().sample(choices.size() > 1 ? logits.clone() : logits, output.history());
            choice.append(sampled.tokenId());
            boolean atLimit = choice.generatedCount() >= maxTokens || choice.length() >= contextLength;
            boolean firstToken = request.firstTokenNanos() < 0;
            if (output.lastTokenNanos >= 0) {
                metrics.interToken(now - output.lastTokenNanos);
            }
            boolean ended = request.emitToken(choice.choice(), sampled, atLimit, model.tokenizer(), now);
            if (firstToken) {
                metrics.firstToken(Duration.ofNanos(now - request.submittedNanos()));
            }
            metrics.generated(request.tenantId(), 1, now);
            if (ended) {
                scheduler.finish(choice);
            }
        }
        if (request.done()) {
            inFlight.remove(request);
        }
    }

    /**
     * Checkpoints often pad {@code vocab_size} beyond the tokenizer's tokens (e.g.
     * Qwen3: 151,936 rows, 151,669 tokens); those rows are no tokens, so they are
     * never sampled.
     */
    private void maskPaddedVocabulary(float[] logits) {
        int tokens = model.tokenizer().vocabularySize();
        if (tokens > 0 && tokens < logits.length) {
            java.util.Arrays.fill(logits, tokens, logits.length, Float.NEGATIVE_INFINITY);
        }
    }

    private void fail(Set<InFlightRequest> requests, Throwable cause) {
        List<String> ids = requests.stream().map(InFlightRequest::requestId).toList();
        log.error("Engine step failed for requests {}", ids, cause);
        for (InFlightRequest request : requests) {
            scheduler.abort(request);
            inFlight.remove(request);
            leaveQueue(request);
            request.fail(new GenerationFailedException(
                    "The engine failed while generating request " + request.requestId() + "; it was logged", cause));
        }
    }

    private void failAll(Throwable cause) {
        fail(new HashSet<>(inFlight), cause);
    }

    private void reportPreemptions() {
        long preemptions = scheduler.preemptions();
        if (preemptions > reportedPreemptions) {
            metrics.preempted(preemptions - reportedPreemptions);
            reportedPreemptions = preemptions;
        }
    }

    private void publishSnapshot() {
        reportPreemptions();
        snapshot = new EngineMetrics.EngineStatusSnapshot(scheduler.runningSequences(), scheduler.waitingRequests(),
                allocator.usedBlocks(), allocator.blockCount());
        snapshotReferenced = allocator.referencedBlocks();
        long lookedUp = scheduler.promptTokensLookedUp();
        prefixCacheHitRate = lookedUp == 0 ? 0 : (double) scheduler.promptTokensFromCache() / lookedUp;
    }
}
