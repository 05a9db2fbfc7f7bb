package io.moeplatform.inference.lora;

import io.moeplatform.inference.LoraAdapterInfo;
import io.moeplatform.inference.model.AdapterWeights;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The LoRA adapters of one served model: which ids exist (registered directories) and which are in memory.
 *
 * <p>
 * Loading runs on a background thread, never on the engine loop: {@link #acquire} returns at once with a future that
 * completes when the weights are in memory, and pins the adapter until {@link #release}. At most
 * {@code maxLoaded} adapters are loaded or loading; beyond that the least recently used unpinned one is dropped, and
 * when every loaded adapter is pinned by requests in flight, the new load waits (without polling) until one is
 * released.
 *
 * <p>
 * Each registration gets a key {@code id#generation}; requests, steps and prefix-cache salts use the key, so
 * re-registering an id never mixes the old and the new weights.
 */
public final class LoraAdapters implements AutoCloseable {

    /** A registered adapter directory. */
    public record Registration(String id, long generation, Path directory) {
        /** Unique per registration: the name requests and steps use. */
        public String key() {
            return id + "#" + generation;
        }
    }

    private static final class Entry {
        final Registration registration;
        final CompletableFuture<AdapterWeights> weights = new CompletableFuture<>();
        int pins;

        Entry(Registration registration) {
            this.registration = registration;
        }
    }

    private final PeftAdapterReader reader;
    private final BiFunction<String, Path, AdapterWeights> loader;
    private final int maxLoaded;
    private final Map<String, Registration> registered = new ConcurrentHashMap<>();
    private final AtomicLong generations = new AtomicLong();
    private final ExecutorService loading = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("moe-lora-loader").daemon().factory());
    // guarded by this; access order = least recently used first
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();

    public LoraAdapters(PeftAdapterReader reader, int maxLoaded) {
        this(reader, (key, dir) -> reader.read(key, dir).weights(), maxLoaded);
    }

    /** With another way to load the weights of a registered directory (tests that control load timing). */
    public LoraAdapters(PeftAdapterReader reader, BiFunction<String, Path, AdapterWeights> loader, int maxLoaded) {
        this.reader = reader;
        this.loader = loader;
        this.maxLoaded = maxLoaded;
    }

    /** Reads and validates {@code directory} against the served model without registering it. */
    public LoraAdapterInfo validate(Path directory) {
        return reader.read("validation", directory).info();
    }

    /** Validates {@code directory} and makes it available as {@code id}, replacing an earlier registration. */
    public LoraAdapterInfo register(String id, Path directory) {
        LoraAdapterInfo info = validate(directory);
        registered.put(id, new Registration(id, generations.incrementAndGet(), directory));
        return info;
    }

    /** Removes {@code id}; requests in flight keep their loaded weights until they end. */
    public synchronized void unregister(String id) {
        registered.remove(id);
        entries.values().removeIf(e -> e.registration.id().equals(id) && e.pins == 0 && e.weights.isDone());
        startWaiting();
    }

    /** The current registration of {@code id}, or null. */
    public @Nullable Registration registration(String id) {
        return registered.get(id);
    }

    /**
     * Pins the adapter and returns its weights, loading them in the background when they are not in memory. Every
     * call needs one {@link #release} of the same key.
     */
    public synchronized CompletableFuture<AdapterWeights> acquire(Registration registration) {
        Entry entry = entries.get(registration.key());
        if (entry == null) {
            entry = waitingEntry(registration.key());
        }
        if (entry == null) {
            entry = new Entry(registration);
            waiting.add(entry);
            startWaiting();
        }
        entry.pins++;
        return entry.weights;
    }

    /** Unpins one {@link #acquire} of {@code key}. */
    public synchronized void release(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            entry = waitingEntry(key);
        }
        if (entry != null && entry.pins > 0) {
            entry.pins--;
            if (entry.pins == 0 && waiting.contains(entry)) {
                waiting.remove(entry);
                entry.weights.cancel(false);
            }
        }
        startWaiting();
    }

    /** The weights of a loaded adapter, or null. */
    public synchronized @Nullable AdapterWeights loaded(String key) {
        Entry entry = entries.get(key);
        return entry != null && entry.weights.isDone() && !entry.weights.isCompletedExceptionally()
                ? entry.weights.join()
                : null;
    }

    /** Adapters loaded or loading now. */
    public synchronized int inMemory() {
        return entries.size();
    }

    private @Nullable Entry waitingEntry(String key) {
        for (Entry e : waiting) {
            if (e.registration.key().equals(key)) {
                return e;
            }
        }
        return null;
    }

    /** Starts waiting loads while there is room, dropping least recently used unpinned adapters. */
    private void startWaiting() {
        while (!waiting.isEmpty() && (entries.size() < maxLoaded || evictOne())) {
            start(waiting.poll());
        }
    }

    private boolean evictOne() {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext();) {
            Entry e = it.next();
            if (e.pins == 0 && e.weights.isDone()) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    private void start(Entry entry) {
        Registration r = entry.registration;
        entries.put(r.key(), entry);
        loading.execute(() -> {
            try {
                entry.weights.complete(loader.apply(r.key(), r.directory()));
            } catch (RuntimeException | Error e) {
                synchronized (this) {
                    entries.remove(r.key());
                    startWaiting();
                }
                entry.weights.completeExceptionally(e);
            }
        });
    }

    @Override
    public void close() {
        loading.shutdownNow();
    }
}
