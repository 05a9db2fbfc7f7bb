package io.moeplatform.inference.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The LRU of loaded adapters: the cap, pinning by requests in flight, waiting loads and failed loads. */
class LoraAdaptersTests {

    private final Path dir = GoldenCase.loadResource("/golden/lora/qwen2_moe/attn_shared_r8", "a").directory();
    private final ModelConfig config = ModelConfig.read(GoldenCase.load("qwen2_moe").directory());
    private final List<String> loads = new CopyOnWriteArrayList<>();
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final LoraAdapters adapters = new LoraAdapters(new PeftAdapterReader(config, 64), (key, path) -> {
        loads.add(key);
        if (failing.contains(key)) {
            throw new IllegalStateException("disk gone");
        }
        return new AdapterWeights(key, config.layers(), Map.of());
    }, 2);

    @AfterEach
    void close() {
        adapters.close();
    }

    private LoraAdapters.Registration register(String id) {
        adapters.register(id, dir);
        return adapters.registration(id);
    }

    private static AdapterWeights get(CompletableFuture<AdapterWeights> f) throws Exception {
        return f.get(10, TimeUnit.SECONDS);
    }

    private void use(LoraAdapters.Registration r) throws Exception {
        get(adapters.acquire(r));
        adapters.release(r.key());
    }

    private CompletableFuture<AdapterWeights> acquireThirdWhileTwoArePinned(LoraAdapters.Registration a,
            LoraAdapters.Registration b, LoraAdapters.Registration c) throws Exception {
        get(adapters.acquire(a));
        get(adapters.acquire(b));
        return adapters.acquire(c);
    }

    @Test
    void leastRecentlyUsedUnpinnedAdapterIsDroppedAtTheCap() throws Exception {
        var a = register("a");
        var b = register("b");
        var c = register("c");
        use(a);
        use(b);
        use(a); // a is now more recent than b
        use(c);
        assertThat(adapters.inMemory()).isEqualTo(2);
        assertThat(adapters.loaded(b.key())).isNull();
        assertThat(adapters.loaded(a.key())).isNotNull();
        assertThat(adapters.loaded(c.key())).isNotNull();
        assertThat(loads).containsExactly(a.key(), b.key(), c.key());
    }

    @Test
    void aLoadWaitsWhileEveryLoadedAdapterIsPinned() throws Exception {
        var a = register("a");
        var b = register("b");
        var c = register("c");
        CompletableFuture<AdapterWeights> third = acquireThirdWhileTwoArePinned(a, b, c);
        Thread.sleep(50);
        assertThat(third).isNotDone();
        assertThat(adapters.inMemory()).isEqualTo(2);
        adapters.release(a.key());
        assertThat(get(third).id()).isEqualTo(c.key());
        assertThat(adapters.loaded(a.key())).isNull();
        assertThat(adapters.loaded(b.key())).isNotNull();
    }

    @Test
    void aWaitingLoadThatNobodyNeedsAnyMoreIsDropped() throws Exception {
        var a = register("a");
        var b = register("b");
        var c = register("c");
        CompletableFuture<AdapterWeights> third = acquireThirdWhileTwoArePinned(a, b, c);
        adapters.release(c.key());
        adapters.release(a.key());
        assertThat(third).isCancelled();
        assertThat(loads).doesNotContain(c.key());
    }

    @Test
    void aFailedLoadFailsItsWaitersAndIsRetriedLater() throws Exception {
        var a = register("a");
        failing.add(a.key());
        assertThatThrownBy(() -> adapters.acquire(a).join()).isInstanceOf(CompletionException.class)
                .hasRootCauseMessage("disk gone");
        adapters.release(a.key());
        failing.clear();
        assertThat(get(adapters.acquire(a)).id()).isEqualTo(a.key());
        assertThat(loads).containsExactly(a.key(), a.key());
    }

    @Test
    void reRegisteringAnIdIsANewVersion() {
        var first = register("a");
        var second = register("a");
        assertThat(second.key()).isNotEqualTo(first.key());
        assertThat(adapters.registration("a")).isEqualTo(second);
        adapters.unregister("a");
        assertThat(adapters.registration("a")).isNull();
    }
}
