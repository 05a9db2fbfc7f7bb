package io.moeplatform.inference.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Splits index ranges over a fixed set of threads; the calling thread takes
 * the first part itself. Owned by one backend and closed with it.
 */
final class ParallelLoop implements AutoCloseable {

    /** Body over {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private final int threads;
    private final ExecutorService pool;

    ParallelLoop(int threads) {
        this.threads = Math.max(1, threads);
        this.pool = Executors.newFixedThreadPool(Math.max(1, this.threads - 1),
                Thread.ofPlatform().daemon().name("cpu-backend-", 0).factory());
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body} over {@code [0, count)} in up to {@code threads} contiguous
     * parts of at least {@code minPerPart} indices each.
     */
    void forRange(int count, int minPerPart, Range body) {
        int parts = Math.min(threads, Math.max(1, count / Math.max(1, minPerPart)));
        if (parts <= 1) {
            if (count > 0) {
                body.run(0, count);
            }
            return;
        }
        @SuppressWarnings("unchecked")
        Future<?>[] futures = new Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = (int) ((long) count * p / parts);
            int to = (int) ((long) count * (p + 1) / parts);
            futures[p - 1] = pool.submit(() -> body.run(from, to));
        }
        body.run(0, (int) ((long) count / parts));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for CPU workers", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
