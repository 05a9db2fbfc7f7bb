package io.moeplatform.inference.engine;

import io.moeplatform.inference.GenerationEvent;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The events of one request as a {@link Flow.Publisher} with a single
 * subscriber.
 *
 * <p>
 * The engine loop never waits for a subscriber: it appends events to an
 * unbounded buffer and returns. Events are delivered in order and without loss,
 * only as far as the subscriber has requested them; what it has not requested
 * yet stays buffered (a request produces at most {@code n * max_tokens} tokens,
 * which bounds the buffer). Delivery runs on the given executor (a virtual
 * thread per drain), never on the engine loop, so a slow subscriber delays only
 * itself. A second subscriber gets {@code onError(IllegalStateException)}.
 * Cancelling the subscription cancels the generation ({@code onCancel}).
 */
final class EventStream implements Flow.Publisher<GenerationEvent> {

    private final Executor delivery;
    private final Runnable onCancel;
    private final ConcurrentLinkedQueue<Object> buffer = new ConcurrentLinkedQueue<>();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger drains = new AtomicInteger();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile Flow.@Nullable Subscriber<? super GenerationEvent> subscriber;
    private volatile boolean cancelled;
    private volatile boolean ended;

    /** The terminal signal in the buffer: an error or normal completion. */
    private record Terminal(@Nullable Throwable error) {}

    EventStream(Executor delivery, Runnable onCancel) {
        this.delivery = delivery;
        this.onCancel = onCancel;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super GenerationEvent> candidate) {
        if (!subscribed.compareAndSet(false, true)) {
            candidate.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            candidate.onError(new IllegalStateException("a generation's events have a single subscriber"));
            return;
        }
        candidate.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    buffer.add(
                            new Terminal(new IllegalArgumentException("request(n) needs n > 0 (rule 3.9), got " + n)));
                    demand.set(Long.MAX_VALUE);
                } else {
                    demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
                }
                scheduleDrain();
            }

            @Override
            public void cancel() {
                if (!cancelled) {
                    cancelled = true;
                    buffer.clear();
                    onCancel.run();
                }
            }
        });
        subscriber = candidate;
        scheduleDrain();
    }

    /** Appends an event; called by the engine loop. */
    void emit(GenerationEvent event) {
        if (!ended) {
            buffer.add(event);
            scheduleDrain();
        }
    }

    /** Appends the last signal: completion after a {@link GenerationEvent.Completed}, or an error. */
    void end(@Nullable Throwable error) {
        if (!ended) {
            ended = true;
            buffer.add(new Terminal(error));
            scheduleDrain();
        }
    }

    private void scheduleDrain() {
        if (subscriber != null && drains.getAndIncrement() == 0) {
            delivery.execute(this::drain);
        }
    }

    @SuppressWarnings("unchecked")
    private void drain() {
        Flow.Subscriber<? super GenerationEvent> target = subscriber;
        int missed = 1;
        do {
            while (!cancelled && target != null) {
                Object next = buffer.peek();
                if (next == null) {
                    break;
                }
                if (next instanceof Terminal terminal) {
                    buffer.poll();
                    cancelled = true;
                    if (terminal.error() == null) {
                        target.onComplete();
                    } else {
                        target.onError(terminal.error());
                    }
                    break;
                }
                if (demand.get() == 0) {
                    break;
                }
                buffer.poll();
                if (demand.get() != Long.MAX_VALUE) {
                    demand.decrementAndGet();
                }
                target.onNext((GenerationEvent) next);
            }
            missed = drains.addAndGet(-missed);
        } while (missed != 0);
    }
}
