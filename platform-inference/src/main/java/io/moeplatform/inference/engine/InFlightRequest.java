package io.moeplatform.inference.engine;

import io.moeplatform.inference.FinishReason;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InferenceException;
import io.moeplatform.inference.Timings;
import io.moeplatform.inference.TokenLogprob;
import io.moeplatform.inference.Usage;
import io.moeplatform.inference.engine.schedule.SequenceGroup;
import io.moeplatform.inference.sampling.SampledToken;
import io.moeplatform.inference.text.Tokenizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A submitted request: its sequences (as the scheduler sees them), one
 * {@link ChoiceOutput} per choice, its event stream and timings. Everything but
 * {@link #cancel()} and {@link #events()} runs on the engine loop.
 */
final class InFlightRequest extends SequenceGroup implements GenerationHandle {

    private final EventStream events;
    private final List<ChoiceOutput> choices;
    private final Consumer<InFlightRequest> cancellations;
    private volatile boolean cancelRequested;
    private boolean done;
    private boolean counted;
    private long firstScheduledNanos = -1;
    private long firstTokenNanos = -1;
    private @Nullable Runnable onEnd;

    InFlightRequest(GenerationRequest request, long arrival, long submittedNanos, Executor delivery,
            List<ChoiceOutput> choices, Consumer<InFlightRequest> cancellations) {
        super(request, arrival, submittedNanos);
        this.choices = List.copyOf(choices);
        this.cancellations = cancellations;
        this.events = new EventStream(delivery, this::cancel);
    }

    @Override
    public String requestId() {
        return request().requestId();
    }

    @Override
    public Flow.Publisher<GenerationEvent> events() {
        return events;
    }

    @Override
    public void cancel() {
        if (!cancelRequested) {
            cancelRequested = true;
            cancellations.accept(this);
        }
    }

    /** Whether the client cancelled, possibly before the loop ever saw the request. */
    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Runs {@code action} once when the request ends (completed, cancelled or failed); set before submitting. */
    void onEnd(Runnable action) {
        this.onEnd = action;
    }

    private void ended() {
        Runnable action = onEnd;
        onEnd = null;
        if (action != null) {
            action.run();
        }
    }

    /**
     * True the first time it is called: the request leaves the bounded queue
     * (admitted, cancelled, expired or failed).
     */
    boolean leaveQueue() {
        if (counted) {
            return false;
        }
        counted = true;
        return true;
    }

    ChoiceOutput choice(int index) {
        return choices.get(index);
    }

    boolean done() {
        return done;
    }

    void scheduled(long nowNanos) {
        if (firstScheduledNanos < 0) {
            firstScheduledNanos = nowNanos;
        }
    }

    /**
     * Emits the token of one choice and, when it ends the choice, its
     * {@link GenerationEvent.ChoiceFinished}; completes the request after its last
     * choice. Returns whether the choice ended.
     */
    boolean emitToken(int choiceIndex, SampledToken sampled, boolean atLimit, Tokenizer tokenizer, long nowNanos) {
        ChoiceOutput choice = choices.get(choiceIndex);
        ChoiceOutput.Step step = choice.accept(sampled.tokenId(), atLimit);
        TokenLogprob logprob = request().sampling().logprobs() ? logprob(sampled, tokenizer) : null;
        if (firstTokenNanos < 0) {
            firstTokenNanos = nowNanos;
        }
        choice.lastTokenNanos = nowNanos;
        events.emit(new GenerationEvent.Token(choiceIndex, sampled.tokenId(), step.text(), logprob));
        if (step.finish() != null) {
            events.emit(new GenerationEvent.ChoiceFinished(choiceIndex, step.finish(), choice.generated()));
            completeIfLastChoice(nowNanos);
            return true;
        }
        return false;
    }

    /** Ends every unfinished choice as cancelled and completes the request. */
    void cancelled(long nowNanos) {
        for (int index = 0; index < choices.size(); index++) {
            ChoiceOutput choice = choices.get(index);
            if (!choice.finished()) {
                choice.cancel();
                events.emit(new GenerationEvent.ChoiceFinished(index, FinishReason.CANCELLED, choice.generated()));
            }
        }
        completeIfLastChoice(nowNanos);
    }

    /** Ends the request with an error instead of {@link GenerationEvent.Completed}. */
    void fail(InferenceException error) {
        if (!done) {
            done = true;
            events.end(error);
            ended();
        }
    }

    private void completeIfLastChoice(long nowNanos) {
        if (done) {
            return;
        }
        int completionTokens = 0;
        for (ChoiceOutput choice : choices) {
            if (!choice.finished()) {
                return;
            }
            completionTokens += choice.generated();
        }
        done = true;
        Usage usage = new Usage(request().promptTokenIds().length, completionTokens, cachedPromptTokens());
        events.emit(new GenerationEvent.Completed(usage, timings(nowNanos)));
        events.end(null);
        ended();
    }

    Timings timings(long nowNanos) {
        long submitted = submittedNanos();
        Duration queued = Duration.ofNanos((firstScheduledNanos < 0 ? nowNanos : firstScheduledNanos) - submitted);
        Duration firstToken = Duration.ofNanos((firstTokenNanos < 0 ? nowNanos : firstTokenNanos) - submitted);
        return new Timings(queued, firstToken, Duration.ofNanos(nowNanos - submitted));
    }

    long firstTokenNanos() {
        return firstTokenNanos;
    }

    private TokenLogprob logprob(SampledToken sampled, Tokenizer tokenizer) {
        List<TokenLogprob.Alternative> top = new ArrayList<>(sampled.topTokenIds().length);
        for (int i = 0; i < sampled.topTokenIds().length; i++) {
            int id = sampled.topTokenIds()[i];
            top.add(new TokenLogprob.Alternative(id, tokenText(tokenizer, id), tokenizer.tokenBytes(id),
                    sampled.topLogprobs()[i]));
        }
        int id = sampled.tokenId();
        return new TokenLogprob(id, tokenText(tokenizer, id), tokenizer.tokenBytes(id), sampled.logprob(), top);
    }

    private static String tokenText(Tokenizer tokenizer, int tokenId) {
        return tokenizer.decode(new int[]{tokenId}, false);
    }

    @Override
    public String toString() {
        return "request " + requestId();
    }

    static @Nullable InFlightRequest of(SequenceGroup group) {
        return group instanceof InFlightRequest request ? request : null;
    }
}
