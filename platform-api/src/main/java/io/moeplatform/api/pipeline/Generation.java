package io.moeplatform.api.pipeline;

import io.moeplatform.core.metering.Outcome;
import io.moeplatform.core.metering.UsageRecord;
import io.moeplatform.core.quota.Admission;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.GenerationFailedException;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.InferenceException;
import io.moeplatform.inference.Timings;
import io.moeplatform.inference.Usage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admitted request in flight: the engine handles of its prompts, read as one event stream on the request's
 * (virtual) thread. Choice indexes are made global ({@code prompt × n + choice}, as OpenAI numbers them). Closing
 * it settles the admission exactly once with the real token counts: completed, failed, or cancelled when the
 * client went away (then the engine is stopped and only what it generated is billed).
 */
public final class Generation implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Generation.class);
    /** How long a cancelled request waits for the engine's final counts before billing what it has seen. */
    private static final long CANCEL_DRAIN_NANOS = TimeUnit.SECONDS.toNanos(5);

    private sealed interface Item {}

    private record Event(int prompt, GenerationEvent event) implements Item {}

    private record Failure(int prompt, Throwable error) implements Item {}

    private final String requestId;
    private final String model;
    private final int n;
    private final int promptTokens;
    private final boolean streamed;
    private final Admission admission;
    private final UsageRecordTemplate template;
    private final PipelineMetrics metrics;
    private final List<GenerationHandle> handles;
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final AtomicBoolean settled = new AtomicBoolean();
    private final long startNanos;
    private int pendingPrompts;
    private int completionTokensSeen;
    private int completionTokens;
    private int cachedTokens;
    private long firstTokenNanos = -1;
    private boolean completed;
    private boolean cancelled;
    private @Nullable Throwable failure;

    Generation(String requestId, String model, int n, int promptTokens, boolean streamed, Admission admission,
            UsageRecordTemplate template, PipelineMetrics metrics, List<GenerationHandle> handles, long startNanos) {
        this.requestId = requestId;
        this.model = model;
        this.n = n;
        this.promptTokens = promptTokens;
        this.streamed = streamed;
        this.admission = admission;
        this.template = template;
        this.metrics = metrics;
        this.handles = handles;
        this.startNanos = startNanos;
        this.pendingPrompts = handles.size();
        for (int prompt = 0; prompt < handles.size(); prompt++) {
            handles.get(prompt).events().subscribe(new Subscriber(prompt));
        }
    }

    public String requestId() {
        return requestId;
    }

    public String model() {
        return model;
    }

    /** Choices of the whole request: prompts × n. */
    public int choices() {
        return handles.size() * n;
    }

    public int promptTokens() {
        return promptTokens;
    }

    /** The adapter the request used, or null for the base model. */
    public @Nullable String adapter() {
        return template.adapter();
    }

    /** Prompt tokens a knowledge-graph adapter injected (included in {@link #promptTokens()}). */
    public int injectedTokens() {
        return template.injectedTokens();
    }

    /**
     * The next token or choice end with its global choice index, or, after all prompts are done, one
     * {@link GenerationEvent.Completed} with the summed usage; null after that.
     *
     * @throws InferenceException when the engine failed the request
     */
    public @Nullable GenerationEvent next() throws InterruptedException {
        if (completed) {
            return null;
        }
        while (true) {
            Item item = queue.take();
            GenerationEvent event = accept(item);
            if (event != null) {
                return event;
            }
        }
    }

    private @Nullable GenerationEvent accept(Item item) {
        switch (item) {
            case Failure(int prompt, Throwable error) -> {
                failure = error;
                handles.forEach(GenerationHandle::cancel);
                throw error instanceof InferenceException inference
                        ? inference
                        : new GenerationFailedException("The engine failed while generating", error);
            }
            case Event(int prompt, GenerationEvent.Token token) -> {
                completionTokensSeen++;
                if (firstTokenNanos < 0) {
                    firstTokenNanos = System.nanoTime();
                }
                return new GenerationEvent.Token(prompt * n + token.choice(), token.tokenId(), token.text(),
                        token.logprob());
            }
            case Event(int prompt, GenerationEvent.ChoiceFinished finished) -> {
                return new GenerationEvent.ChoiceFinished(prompt * n + finished.choice(), finished.reason(),
                        finished.completionTokens());
            }
            case Event(int prompt, GenerationEvent.Completed done) -> {
                completionTokens += done.usage().completionTokens();
                cachedTokens += done.usage().cachedPromptTokens();
                if (--pendingPrompts > 0) {
                    return null;
                }
                completed = true;
                Duration total = Duration.ofNanos(System.nanoTime() - startNanos);
                return new GenerationEvent.Completed(new Usage(promptTokens, completionTokens, cachedTokens),
                        new Timings(done.timings().queued(), timeToFirstToken(), total));
            }
        }
    }

    /** Stops generation, e.g. because the client went away; the request is billed as cancelled. */
    public void cancel() {
        cancelled = true;
        handles.forEach(GenerationHandle::cancel);
    }

    /** Settles the admission once: real counts and the outcome of however the request ended. */
    @Override
    public void close() {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        Outcome outcome;
        if (failure != null) {
            outcome = Outcome.FAILED;
        } else if (completed) {
            outcome = Outcome.COMPLETED;
        } else {
            // Ended before the engine finished: the client left or the caller gave up.
            cancel();
            drainAfterCancel();
            outcome = Outcome.CANCELLED;
            log.info("Request {} cancelled (client gone) after {} ms", requestId,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos));
        }
        int billedCompletion = pendingPrompts == 0
                ? completionTokens
                : Math.max(completionTokens, completionTokensSeen);
        var usage = template.record(requestId, model, promptTokens, billedCompletion, cachedTokens,
                timeToFirstToken(), Duration.ofNanos(System.nanoTime() - startNanos), outcome, streamed);
        try {
            admission.finish(usage);
        } finally {
            metrics.record(usage);
        }
    }

    /**
     * After a cancel the engine still reports each prompt's final counts (tokens generated up to the step that
     * saw the cancel); wait a little for them so billing uses the engine's numbers, not only what we forwarded.
     */
    private void drainAfterCancel() {
        long deadline = System.nanoTime() + CANCEL_DRAIN_NANOS;
        try {
            while (pendingPrompts > 0 && failure == null) {
                long left = deadline - System.nanoTime();
                Item item = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                if (item == null) {
                    log.warn("Request {}: no final counts from the engine {} ms after cancel; billing {} tokens seen",
                            requestId, TimeUnit.NANOSECONDS.toMillis(CANCEL_DRAIN_NANOS), completionTokensSeen);
                    return;
                }
                try {
                    accept(item);
                } catch (InferenceException afterCancel) {
                    return;
                }
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private @Nullable Duration timeToFirstToken() {
        return firstTokenNanos < 0 ? null : Duration.ofNanos(firstTokenNanos - startNanos);
    }

    private final class Subscriber implements Flow.Subscriber<GenerationEvent> {

        private final int prompt;

        Subscriber(int prompt) {
            this.prompt = prompt;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(GenerationEvent event) {
            queue.add(new Event(prompt, event));
        }

        @Override
        public void onError(Throwable error) {
            queue.add(new Failure(prompt, error));
        }

        @Override
        public void onComplete() {
            // The Completed event came before; nothing more to deliver.
        }
    }
}
