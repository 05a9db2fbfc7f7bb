package io.moeplatform.inference.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Splits index ranges over a fixed set of threads; the calling thread takes
 * the first part itself. A decode step issues a few dozen short parallel
 * sections, so workers spin briefly before parking: waking a parked thread
 * costs more than most sections take. Owned by one backend and closed with it.
 */
final class ParallelLoop implements AutoCloseable {

    /** Body over {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** How long an idle worker spins before it parks. */
    private static final long SPIN_NANOS = 50_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger generation = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;
    // the current section, published by the write to generation
    private @Nullable Range body;
    private int count;
    private int parts;
    private volatile @Nullable Throwable failure;

    ParallelLoop(int threads) {
        this.threads = Math.max(1, threads);
        this.workers = new Thread[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int part = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("cpu-backend-" + part).start(() -> work(part));
        }
    }

    /**
     * Runs {@code body} over {@code [0, count)} in up to {@code threads} contiguous
     * parts of at least {@code minPerPart} indices each.
     */
    void forRange(int count, int minPerPart, Range body) {
        int n = Math.min(threads, Math.max(1, count / Math.max(1, minPerPart)));
        if (n <= 1) {
            if (count > 0) {
                body.run(0, count);
            }
            return;
        }
        this.body = body;
        this.count = count;
        this.parts = n;
        this.failure = null;
        pending.set(workers.length);
        generation.incrementAndGet();
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
        try {
            body.run(0, (int) ((long) count / n));
        } finally {
            int spins = 0;
            while (pending.get() > 0) {
                // on an oversubscribed machine a worker may be descheduled: give it the core
                if (++spins < 10_000) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            this.body = null;
        }
        Throwable f = failure;
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f instanceof Error e) {
            throw e;
        }
    }

    private void work(int part) {
        int seen = 0;
        while (true) {
            long spinStart = System.nanoTime();
            int spins = 0;
            while (generation.get() == seen) {
                if (closed) {
                    return;
                }
                if ((++spins & 63) != 0 || System.nanoTime() - spinStart < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            seen = generation.get();
            try {
                Range b = body;
                if (part < parts && b != null) {
                    b.run((int) ((long) count * part / parts), (int) ((long) count * (part + 1) / parts));
                }
            } catch (Throwable t) {
                failure = t;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
