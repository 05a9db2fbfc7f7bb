package io.moeplatform.adapters.kg.index;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.moeplatform.adapters.catalog.AdapterChanged;
import io.moeplatform.adapters.kg.KnowledgeGraphProperties;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionPhase;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Indexes of graph versions, built on first use and kept for the most recently used
 * {@code platform.adapters.kg.index-cache-size} versions. Keyed by version id, so a new import is picked up by
 * the next request (it reads the active version id) and the old index is dropped when the change commits. A
 * concurrent first use of one version builds it once.
 */
@Component
public class GraphIndexCache {

    private static final Logger log = LoggerFactory.getLogger(GraphIndexCache.class);

    private final KnowledgeGraphStore store;
    private final Cache<UUID, GraphIndex> indexes;

    GraphIndexCache(KnowledgeGraphStore store, KnowledgeGraphProperties properties) {
        this.store = store;
        this.indexes = Caffeine.newBuilder().maximumSize(properties.indexCacheSize()).build();
    }

    public GraphIndex get(UUID adapterId, UUID versionId) {
        return indexes.get(versionId, id -> {
            long start = System.nanoTime();
            GraphIndex index = GraphIndex.load(store, adapterId, id);
            log.info("Indexed knowledge graph version {} ({} entities, {} relations) in {} ms", id,
                    index.entityCount(), index.relationCount(), (System.nanoTime() - start) / 1_000_000);
            return index;
        });
    }

    /** Drops the indexes of an adapter that changed (new version, disabled, deleted). */
    @TransactionalEventListener(phase = TransactionPhase.AFTER_COMMIT, fallbackExecution = true)
    void on(AdapterChanged change) {
        indexes.asMap().values().removeIf(index -> index.adapterId().equals(change.adapterId()));
    }
}
