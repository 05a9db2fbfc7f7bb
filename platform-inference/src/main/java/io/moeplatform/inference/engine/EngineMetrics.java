package io.moeplatform.inference.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The engine's Micrometer meters, all named {@code moe.engine.*} and tagged with
 * the served model. Per-tenant token counters have bounded cardinality: the
 * first {@code maxTenantTags} tenants that generate tokens get their own tag
 * value, later ones count under {@code tenant=other} (a counter's tag cannot move
 * once exported, so slots are not reassigned).
 *
 * <p>
 * Gauges read the engine's volatile snapshot, never the scheduler, so scraping
 * never races the engine loop.
 */
final class EngineMetrics {

    static final String OTHER_TENANTS = "other";

    private final MeterRegistry registry;
    private final String model;
    private final int maxTenantTags;
    private final Timer stepTime;
    private final DistributionSummary batchSequences;
    private final DistributionSummary batchTokens;
    private final Counter promptTokens;
    private final Counter generatedTokens;
    private final Counter prefixCacheLookups;
    private final Counter prefixCacheHits;
    private final Counter preemptions;
    private final Timer timeToFirstToken;
    private final Timer interTokenLatency;
    private final Map<String, Counter> tenantTokens = new HashMap<>();
    /** (nanoTime, tokens) of recent steps, for tokens per second. */
    private final ArrayDeque<long[]> recent = new ArrayDeque<>();
    private static final long RATE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(5);

    EngineMetrics(MeterRegistry registry, String model, int maxTenantTags, Supplier<EngineStatusSnapshot> snapshot) {
        this.registry = registry;
        this.model = model;
        this.maxTenantTags = maxTenantTags;
        stepTime = Timer.builder("moe.engine.step.time")
                .description("Duration of one engine step (forward and sampling)")
                .tag("model", model).register(registry);
        batchSequences = DistributionSummary.builder("moe.engine.batch.size").description("Sequences in one step")
                .tag("model", model).register(registry);
        batchTokens = DistributionSummary.builder("moe.engine.batch.tokens").description("Tokens computed in one step")
                .tag("model", model).register(registry);
        promptTokens = counter("moe.engine.prompt.tokens", "Prompt tokens of admitted requests");
        generatedTokens = counter("moe.engine.generated.tokens", "Generated tokens");
        prefixCacheLookups = counter("moe.engine.prefix.cache.lookups", "Prompt tokens looked up in the prefix cache");
        prefixCacheHits = counter("moe.engine.prefix.cache.hits", "Prompt tokens served from the prefix cache");
        preemptions = counter("moe.engine.preemptions", "Sequences preempted for lack of KV blocks");
        timeToFirstToken = Timer.builder("moe.engine.time.to.first.token").tag("model", model).register(registry);
        interTokenLatency = Timer.builder("moe.engine.inter.token.latency").tag("model", model).register(registry);
        gauge("moe.engine.requests.waiting", snapshot, s -> s.waitingRequests());
        gauge("moe.engine.sequences.running", snapshot, s -> s.runningSequences());
        gauge("moe.engine.kv.blocks.used", snapshot, s -> s.kvBlocksUsed());
        gauge("moe.engine.kv.blocks.free", snapshot, s -> s.kvBlocksTotal() - s.kvBlocksUsed());
    }

    /** The numbers the gauges read, published by the engine loop after each step. */
    record EngineStatusSnapshot(int runningSequences, int waitingRequests, int kvBlocksUsed, int kvBlocksTotal) {}

    private Counter counter(String name, String description) {
        return Counter.builder(name).description(description).tag("model", model).register(registry);
    }

    private void gauge(String name, Supplier<EngineStatusSnapshot> snapshot,
            java.util.function.ToDoubleFunction<EngineStatusSnapshot> value) {
        Gauge.builder(name, () -> value.applyAsDouble(snapshot.get())).tag("model", model).register(registry);
    }

    void step(long nanos, int sequences, int tokens) {
        stepTime.record(nanos, TimeUnit.NANOSECONDS);
        batchSequences.record(sequences);
        batchTokens.record(tokens);
    }

    void admitted(int prompt, int fromCache) {
        promptTokens.increment(prompt);
        prefixCacheLookups.increment(prompt);
        prefixCacheHits.increment(fromCache);
    }

    void preempted(long count) {
        preemptions.increment(count);
    }

    void generated(String tenantId, int tokens, long nowNanos) {
        generatedTokens.increment(tokens);
        tenantCounter(tenantId).increment(tokens);
        synchronized (recent) {
            recent.addLast(new long[]{nowNanos, tokens});
        }
    }

    void firstToken(Duration latency) {
        timeToFirstToken.record(latency);
    }

    void interToken(long nanos) {
        interTokenLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Generated tokens per second over the last few seconds. */
    double tokensPerSecond(long nowNanos) {
        synchronized (recent) {
            while (!recent.isEmpty() && nowNanos - recent.peekFirst()[0] > RATE_WINDOW_NANOS) {
                recent.pollFirst();
            }
            long tokens = 0;
            for (long[] entry : recent) {
                tokens += entry[1];
            }
            return tokens / (RATE_WINDOW_NANOS / 1e9);
        }
    }

    private Counter tenantCounter(String tenantId) {
        Counter counter = tenantTokens.get(tenantId);
        if (counter != null) {
            return counter;
        }
        String tag = tenantTokens.size() < maxTenantTags ? tenantId : OTHER_TENANTS;
        counter = Counter.builder("moe.engine.tenant.generated.tokens").description("Generated tokens per tenant")
                .tag("model", model).tag("tenant", tag).register(registry);
        if (tag.equals(tenantId)) {
            tenantTokens.put(tenantId, counter);
        }
        return counter;
    }
}
