package io.moeplatform.api.shutdown;

import io.moeplatform.inference.EngineStatus;
import io.moeplatform.inference.InferenceService;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Drains generations when the application stops. It stops in the first shutdown phase, before the web server's
 * graceful shutdown: from then on {@link #ensureAccepting()} refuses new generations (503, retryable, so that
 * clients and load balancers move to another replica), and {@link #stop()} returns once the engine has nothing
 * running or queued, or when {@code platform.shutdown.drain-timeout} has passed. Streams in flight therefore end
 * normally instead of being cut when the engine closes.
 */
@Component
public class GenerationDrain implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GenerationDrain.class);

    private final InferenceService inference;
    private final ShutdownProperties properties;
    private volatile boolean running;
    private volatile boolean draining;

    GenerationDrain(InferenceService inference, ShutdownProperties properties) {
        this.inference = inference;
        this.properties = properties;
    }

    /**
     * @throws ServerDrainingException
     *             once shutdown has begun
     */
    public void ensureAccepting() {
        if (draining) {
            throw new ServerDrainingException();
        }
    }

    /** Whether shutdown has begun and new generations are refused. */
    public boolean isDraining() {
        return draining;
    }

    @Override
    public void start() {
        draining = false;
        running = true;
    }

    @Override
    public void stop() {
        draining = true;
        long deadline = System.nanoTime() + properties.drainTimeout().toNanos();
        EngineStatus status = inference.status();
        if (inFlight(status) > 0) {
            log.info("Shutting down: waiting up to {} for {} running and {} queued generations",
                    properties.drainTimeout(), status.runningSequences(), status.waitingRequests());
        }
        while (inFlight(status) > 0 && System.nanoTime() < deadline) {
            if (!pause(properties.pollInterval())) {
                break;
            }
            status = inference.status();
        }
        if (inFlight(status) > 0) {
            log.warn("Drain timeout of {} passed with {} generations in flight; they are cancelled",
                    properties.drainTimeout(), inFlight(status));
        }
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** The first phase to stop: before the web server's graceful shutdown, which would refuse connections. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    private static int inFlight(EngineStatus status) {
        return status.runningSequences() + status.waitingRequests();
    }

    private static boolean pause(Duration interval) {
        try {
            Thread.sleep(interval);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
