package io.moeplatform.adapters.kg.index;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.moeplatform.adapters.catalog.AdapterChanged;
import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Indexes of graph versions, built on first use and kept for the most recently used
 * {@code platform.adapters.kg.index-cache-size} versions (keyed by version id).
 *
 * <p>When an adapter gets a new version while an index of its previous one is in memory, requests keep being
 * served from the previous index while the new one is built in the background; once it is ready it replaces the
 * old one, which is dropped. Only an adapter's very first use waits for its index. A new import starts that
 * background build right after it commits, so it is usually ready before the next request.
 */
@Component
public class GraphIndexCache implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(GraphIndexCache.class);

    private final KnowledgeGraphStore store;
    private final Cache<UUID, GraphIndex> indexes;
    private final Map<UUID, CompletableFuture<GraphIndex>> building = new ConcurrentHashMap<>();
    private final ExecutorService builders = Executors.newVirtualThreadPerTaskExecutor();

    GraphIndexCache(KnowledgeGraphStore store, KnowledgeGraphProperties properties) {
        this.store = store;
        this.indexes = Caffeine.newBuilder().maximumSize(properties.indexCacheSize()).build();
    }

    /** The index to serve the adapter's active version with: that version's, or the previous one while it builds. */
    public GraphIndex get(UUID adapterId, UUID versionId) {
        GraphIndex ready = indexes.getIfPresent(versionId);
        if (ready != null) {
            return ready;
        }
        GraphIndex previous = cachedOf(adapterId);
        if (previous != null) {
            buildInBackground(adapterId, versionId);
            return previous;
        }
        return indexes.get(versionId, id -> load(adapterId, id));
    }

    private @Nullable GraphIndex cachedOf(UUID adapterId) {
        return indexes.asMap().values().stream().filter(index -> index.adapterId().equals(adapterId)).findFirst()
                .orElse(null);
    }

    private void buildInBackground(UUID adapterId, UUID versionId) {
        building.computeIfAbsent(versionId, id -> CompletableFuture.supplyAsync(() -> load(adapterId, id), builders)
                .whenComplete((index, error) -> {
                    if (index != null) {
                        indexes.put(id, index);
                        indexes.asMap().values().removeIf(
                                other -> other.adapterId().equals(adapterId) && !other.versionId().equals(id));
                    } else {
                        log.error("Indexing knowledge graph version {} failed; the previous version keeps serving",
                                id, error);
                    }
                    building.remove(id);
                }));
    }

    private GraphIndex load(UUID adapterId, UUID versionId) {
        long start = System.nanoTime();
        GraphIndex index = GraphIndex.load(store, adapterId, versionId);
        log.info("Indexed knowledge graph version {} ({} entities, {} relations) in {} ms", versionId,
                index.entityCount(), index.relationCount(), (System.nanoTime() - start) / 1_000_000);
        return index;
    }

    /**
     * After a change commits: a new version of an adapter in memory starts building (the old one serves
     * meanwhile); a disabled or deleted adapter's indexes are dropped.
     */
    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void on(AdapterChanged change) {
        switch (change.change()) {
            case NEW_VERSION -> {
                if (cachedOf(change.adapterId()) != null) {
                    store.activeVersion(change.adapterId())
                            .ifPresent(version -> buildInBackground(change.adapterId(), version.id()));
                }
            }
            case DISABLED, DELETED -> indexes.asMap().values()
                    .removeIf(index -> index.adapterId().equals(change.adapterId()));
            case ENABLED -> {
                // nothing cached for a disabled adapter
            }
        }
    }

    /** Whether an index of this version is in memory (for tests and stats). */
    public boolean isIndexed(UUID versionId) {
        return indexes.getIfPresent(versionId) != null;
    }

    @Override
    public void destroy() {
        builders.shutdownNow();
    }
}
