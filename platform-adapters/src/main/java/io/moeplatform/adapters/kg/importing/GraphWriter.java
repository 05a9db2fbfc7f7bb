package io.moeplatform.adapters.kg.importing;

import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Validates what a parser streams and writes it in batches to one graph version. Holds only the entity keys (for
 * relation endpoints and duplicates) and the relations whose endpoints come later in the file; everything else
 * leaves memory with its batch.
 */
final class GraphWriter implements GraphSink {

    static final int BATCH = 1000;
    private static final int MAX_KEY = 500;
    private static final int MAX_NAME = 500;
    private static final int MAX_TYPE = 200;
    private static final int MAX_JSON = 8000;

    private record PendingRelation(GraphRelation relation, String location) {}

    private final KnowledgeGraphStore store;
    private final UUID versionId;
    private final int maxEntities;
    private final int maxRelations;
    private final ImportProblems problems;
    private final Map<String, Integer> ordinals = new HashMap<>();
    private final List<PendingRelation> pending = new ArrayList<>();
    private final List<Object[]> entityRows = new ArrayList<>(BATCH);
    private final List<Object[]> relationRows = new ArrayList<>(BATCH);
    private int relations;

    GraphWriter(KnowledgeGraphStore store, UUID versionId, int maxEntities, int maxRelations,
            ImportProblems problems) {
        this.store = store;
        this.versionId = versionId;
        this.maxEntities = maxEntities;
        this.maxRelations = maxRelations;
        this.problems = problems;
    }

    @Override
    public void entity(GraphEntity entity, String location) {
        boolean valid = check(entity.key(), "id", MAX_KEY, location) & check(entity.name(), "name", MAX_NAME,
                location);
        if (entity.type() != null && entity.type().length() > MAX_TYPE) {
            problems.add(location, "type is longer than " + MAX_TYPE + " characters");
            valid = false;
        }
        for (String alias : entity.aliases()) {
            valid &= check(alias, "alias", MAX_NAME, location);
        }
        String aliases = KnowledgeGraphStore.json(entity.aliases());
        String attributes = KnowledgeGraphStore.json(entity.attributes());
        if (aliases.length() > MAX_JSON || attributes.length() > MAX_JSON) {
            problems.add(location, "aliases and attributes must each stay under " + MAX_JSON + " characters");
            valid = false;
        }
        if (!valid) {
            return;
        }
        Integer existing = ordinals.get(entity.key());
        if (existing != null) {
            problems.add(location, "duplicate entity id '" + entity.key() + "' (entity #" + (existing + 1)
                    + " has it already)");
            return;
        }
        add(entity.key(), entity.name(), entity.type(), aliases, attributes, location);
    }

    @Override
    public void implicitEntity(String name, String location) {
        if (!ordinals.containsKey(name) && check(name, "entity", MAX_KEY, location)) {
            add(name, name, null, "[]", "{}", location);
        }
    }

    private void add(String key, String name, @Nullable String type, String aliases, String attributes,
            String location) {
        if (ordinals.size() >= maxEntities) {
            throw problems.fatal(location, "the graph has more than " + maxEntities
                    + " entities (platform.adapters.kg.max-entities)");
        }
        int ordinal = ordinals.size();
        ordinals.put(key, ordinal);
        entityRows.add(new Object[]{versionId, ordinal, key, name.strip(), type, aliases, attributes});
        if (entityRows.size() >= BATCH) {
            flushEntities();
        }
    }

    @Override
    public void relation(GraphRelation relation, String location) {
        if (!check(relation.type(), "type", MAX_TYPE, location)) {
            return;
        }
        if (ordinals.containsKey(relation.source()) && ordinals.containsKey(relation.target())) {
            write(relation, location);
        } else {
            pending.add(new PendingRelation(relation, location));
        }
    }

    private void write(GraphRelation relation, String location) {
        String attributes = KnowledgeGraphStore.json(relation.attributes());
        if (attributes.length() > MAX_JSON) {
            problems.add(location, "attributes must stay under " + MAX_JSON + " characters");
            return;
        }
        if (relations >= maxRelations) {
            throw problems.fatal(location, "the graph has more than " + maxRelations
                    + " relations (platform.adapters.kg.max-relations)");
        }
        relationRows.add(new Object[]{versionId, relations++, ordinals.get(relation.source()),
                ordinals.get(relation.target()), relation.type().strip(), relation.weight(), attributes});
        if (relationRows.size() >= BATCH) {
            flushEntities();
            store.insertRelations(relationRows);
            relationRows.clear();
        }
    }

    /** Resolves the relations that named later entities, writes what is left and reports every problem. */
    void finish() {
        for (PendingRelation p : pending) {
            boolean known = true;
            for (String endpoint : List.of(p.relation().source(), p.relation().target())) {
                if (!ordinals.containsKey(endpoint)) {
                    problems.add(p.location(), "relation refers to unknown entity '" + endpoint + "'");
                    known = false;
                }
            }
            if (known) {
                write(p.relation(), p.location());
            }
        }
        pending.clear();
        if (ordinals.isEmpty()) {
            problems.add("file", "the graph has no entities");
        }
        problems.throwIfAny();
        flushEntities();
        if (!relationRows.isEmpty()) {
            store.insertRelations(relationRows);
            relationRows.clear();
        }
    }

    int entities() {
        return ordinals.size();
    }

    int relations() {
        return relations;
    }

    private void flushEntities() {
        if (!entityRows.isEmpty() && problems.isEmpty()) {
            store.insertEntities(entityRows);
        }
        entityRows.clear();
    }

    private boolean check(String value, String what, int max, String location) {
        if (value.isBlank()) {
            problems.add(location, what + " must not be empty");
            return false;
        }
        if (value.length() > max) {
            problems.add(location, what + " is longer than " + max + " characters");
            return false;
        }
        return true;
    }
}
