package io.moeplatform.adapters.testing;

import io.moeplatform.adapters.kg.index.GraphIndex;
import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import java.util.List;
import java.util.UUID;

/** Builds an index from rows in memory, exactly as from the store, for tests without a database. */
public final class GraphIndexes {

    private GraphIndexes() {}

    public static GraphIndex of(List<KnowledgeGraphStore.StoredEntity> entities,
            List<KnowledgeGraphStore.StoredRelation> relations) {
        return GraphIndex.build(UUID.randomUUID(), UUID.randomUUID(), visitor -> {
            entities.forEach(visitor::entity);
            relations.forEach(visitor::relation);
        });
    }
}
