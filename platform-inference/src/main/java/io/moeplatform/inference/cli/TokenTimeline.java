package io.moeplatform.inference.cli;

import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.InferenceException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Subscribes to one request's events and records when each token arrived ({@link System#nanoTime()}), for the
 * benchmark's latencies and for streaming to a console.
 */
final class TokenTimeline implements Flow.Subscriber<GenerationEvent> {

    private final long submittedNanos;
    private final Consumer<GenerationEvent.Token> onToken;
    private final CountDownLatch done = new CountDownLatch(1);
    private long[] tokenNanos = new long[64];
    private int tokens;
    private volatile GenerationEvent.@Nullable Completed completed;
    private volatile @Nullable Throwable failure;

    TokenTimeline(long submittedNanos, Consumer<GenerationEvent.Token> onToken) {
        this.submittedNanos = submittedNanos;
        this.onToken = onToken;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(GenerationEvent event) {
        switch (event) {
            case GenerationEvent.Token token -> {
                if (tokens == tokenNanos.length) {
                    tokenNanos = java.util.Arrays.copyOf(tokenNanos, tokens * 2);
                }
                tokenNanos[tokens++] = System.nanoTime();
                onToken.accept(token);
            }
            case GenerationEvent.ChoiceFinished finished -> {
            }
            case GenerationEvent.Completed last -> {
                completed = last;
                done.countDown();
            }
        }
    }

    @Override
    public void onError(Throwable throwable) {
        failure = throwable;
        done.countDown();
    }

    @Override
    public void onComplete() {
        done.countDown();
    }

    /** Waits for the request to end and returns its last event; throws if it failed. */
    GenerationEvent.Completed await(long timeout, TimeUnit unit) throws InterruptedException {
        if (!done.await(timeout, unit)) {
            throw new IllegalStateException("request did not finish within " + timeout + " " + unit);
        }
        Throwable error = failure;
        if (error instanceof InferenceException inference) {
            throw inference;
        }
        if (error != null) {
            throw new IllegalStateException("generation failed: " + error.getMessage(), error);
        }
        GenerationEvent.Completed last = completed;
        if (last == null) {
            throw new IllegalStateException("event stream ended without a Completed event");
        }
        return last;
    }

    long submittedNanos() {
        return submittedNanos;
    }

    /** Arrival times of the tokens, in order (valid after {@link #await}). */
    long[] tokenNanos() {
        return java.util.Arrays.copyOf(tokenNanos, tokens);
    }
}
