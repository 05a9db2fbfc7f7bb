package io.moeplatform.inference.engine;

import io.moeplatform.inference.FinishReason;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.GenerationHandle;
import io.moeplatform.inference.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/** Subscribes to a handle and keeps every event; {@link #await()} waits for the end. */
final class EventCollector implements Flow.Subscriber<GenerationEvent> {

    final List<GenerationEvent> events = new ArrayList<>();
    private final CompletableFuture<EventCollector> done = new CompletableFuture<>();
    private final long batch;
    private Flow.Subscription subscription;
    private long outstanding;

    private EventCollector(long batch) {
        this.batch = batch;
    }

    static EventCollector of(GenerationHandle handle) {
        return of(handle, Long.MAX_VALUE);
    }

    /** A subscriber that requests {@code batch} events at a time. */
    static EventCollector of(GenerationHandle handle, long batch) {
        EventCollector collector = new EventCollector(batch);
        handle.events().subscribe(collector);
        return collector;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        this.subscription = subscription;
        outstanding = batch;
        subscription.request(batch);
    }

    @Override
    public synchronized void onNext(GenerationEvent item) {
        events.add(item);
        if (batch != Long.MAX_VALUE && --outstanding == 0) {
            outstanding = batch;
            subscription.request(batch);
        }
    }

    @Override
    public void onError(Throwable throwable) {
        done.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        done.complete(this);
    }

    EventCollector await() {
        try {
            return done.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("generation failed", e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The error the stream ended with. */
    Throwable awaitError() {
        try {
            done.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected the generation to fail, it completed: " + events);
    }

    synchronized List<Integer> tokens(int choice) {
        return events.stream().filter(e -> e instanceof GenerationEvent.Token t && t.choice() == choice)
                .map(e -> ((GenerationEvent.Token) e).tokenId()).toList();
    }

    synchronized String text(int choice) {
        StringBuilder text = new StringBuilder();
        for (GenerationEvent event : events) {
            if (event instanceof GenerationEvent.Token token && token.choice() == choice) {
                text.append(token.text());
            }
        }
        return text.toString();
    }

    synchronized FinishReason finish(int choice) {
        return events.stream().filter(e -> e instanceof GenerationEvent.ChoiceFinished f && f.choice() == choice)
                .map(e -> ((GenerationEvent.ChoiceFinished) e).reason()).findFirst().orElseThrow();
    }

    synchronized GenerationEvent.Completed completed() {
        GenerationEvent last = events.getLast();
        if (!(last instanceof GenerationEvent.Completed completed)) {
            throw new AssertionError("last event is not Completed: " + last);
        }
        return completed;
    }

    Usage usage() {
        return completed().usage();
    }
}
