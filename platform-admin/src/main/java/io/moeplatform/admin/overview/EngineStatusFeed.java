package io.moeplatform.admin.overview;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.moeplatform.inference.InferenceService;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Pushes an {@link EngineSnapshot} to every open overview page every {@link #INTERVAL} by server-sent events. One
 * sampler thread reads the engine and the meters for all subscribers, so open pages add no engine load.
 */
@Component
class EngineStatusFeed implements DisposableBean {

    static final Duration INTERVAL = Duration.ofSeconds(2);
    /** Browsers' EventSource reconnects by itself when a stream ends. */
    static final Duration STREAM_LIFETIME = Duration.ofMinutes(30);

    private static final Logger log = LoggerFactory.getLogger(EngineStatusFeed.class);

    private final InferenceService inference;
    private final RequestRates rates;
    private final Set<SseEmitter> subscribers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService sampler = Executors
            .newSingleThreadScheduledExecutor(Thread.ofPlatform().name("console-engine-feed").daemon().factory());

    EngineStatusFeed(InferenceService inference, ObjectProvider<MeterRegistry> registry) {
        this.inference = inference;
        this.rates = new RequestRates(registry.getIfAvailable(SimpleMeterRegistry::new));
        sampler.scheduleAtFixedRate(this::tick, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The latest snapshot, for rendering the page before its stream connects. */
    EngineSnapshot current() {
        return EngineSnapshot.of(inference.status(), rates.latest());
    }

    SseEmitter subscribe() {
        var emitter = new SseEmitter(STREAM_LIFETIME.toMillis());
        emitter.onCompletion(() -> subscribers.remove(emitter));
        emitter.onTimeout(() -> subscribers.remove(emitter));
        emitter.onError(e -> subscribers.remove(emitter));
        subscribers.add(emitter);
        send(emitter, current());
        return emitter;
    }

    private void tick() {
        try {
            var sample = rates.sample(System.nanoTime());
            if (subscribers.isEmpty()) {
                return;
            }
            var snapshot = EngineSnapshot.of(inference.status(), sample);
            subscribers.forEach(emitter -> send(emitter, snapshot));
        } catch (RuntimeException e) {
            log.warn("Engine status feed could not sample the engine", e);
        }
    }

    private void send(SseEmitter emitter, EngineSnapshot snapshot) {
        try {
            emitter.send(SseEmitter.event().name("status").data(snapshot, MediaType.APPLICATION_JSON));
        } catch (IOException | IllegalStateException e) {
            // the page went away: forget it
            subscribers.remove(emitter);
            emitter.completeWithError(e);
        }
    }

    @Override
    public void destroy() {
        sampler.shutdownNow();
        subscribers.forEach(SseEmitter::complete);
    }
}
