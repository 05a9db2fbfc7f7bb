package io.moeplatform.core.quota;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Periodically returns the tokens and concurrency slots of reservations whose lease expired, and drops old rate
 * windows. Every replica runs it; the row deletes make concurrent sweeps safe. Runs on its own thread so the
 * application needs no {@code @EnableScheduling}.
 */
@Component
class ReservationSweeper implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReservationSweeper.class);
    private static final int BATCH = 500;

    private final ReservationSettlement settlement;
    private final QuotaProperties properties;
    private @Nullable ScheduledExecutorService executor;

    ReservationSweeper(ReservationSettlement settlement, QuotaProperties properties) {
        this.settlement = settlement;
        this.properties = properties;
    }

    /** One sweep; returns the number of expired reservations released. */
    int sweep() {
        int total = 0;
        int released;
        do {
            released = settlement.releaseExpired(BATCH);
            total += released;
        } while (released == BATCH);
        settlement.deleteOldRateWindows();
        if (total > 0) {
            log.warn("Released {} expired quota reservations (requests that never finished)", total);
        }
        return total;
    }

    @Override
    public synchronized void start() {
        var period = properties.sweepInterval().toMillis();
        executor = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("quota-sweeper")
                .factory());
        executor.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (RuntimeException e) {
                log.warn("Quota sweep failed; retrying in {} ms", period, e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return executor != null;
    }
}
