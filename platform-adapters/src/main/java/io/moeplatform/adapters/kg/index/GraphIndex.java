package io.moeplatform.adapters.kg.index;

import io.moeplatform.adapters.kg.store.KnowledgeGraphStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One knowledge-graph version in memory, ready for retrieval: entities in flat arrays by ordinal, a
 * {@link NameMatcher} over their normalized names and aliases, and relations with an adjacency list in both
 * directions (compressed rows). Immutable and shared by concurrent requests.
 */
public final class GraphIndex {

    private final UUID adapterId;
    private final UUID versionId;
    private final String[] names;
    private final @Nullable String[] types;
    private final String[] details;
    private final NameMatcher matcher;
    private final int[][] patternEntities;
    private final int[] relationSource;
    private final int[] relationTarget;
    private final String[] relationType;
    private final double[] relationWeight;
    private final int[] adjacencyStart;
    private final int[] adjacency;

    private GraphIndex(Builder b) {
        this.adapterId = b.adapterId;
        this.versionId = b.versionId;
        this.names = b.names.toArray(String[]::new);
        this.types = b.types.toArray(String[]::new);
        this.details = b.details.toArray(String[]::new);
        this.matcher = new NameMatcher(new ArrayList<>(b.patterns.keySet()));
        this.patternEntities = b.patterns.values().stream().map(list -> list.stream().mapToInt(Integer::intValue)
                .distinct().toArray()).toArray(int[][]::new);
        int relations = b.relationTypes.size();
        this.relationSource = Arrays.copyOf(b.source, relations);
        this.relationTarget = Arrays.copyOf(b.target, relations);
        this.relationType = b.relationTypes.toArray(String[]::new);
        this.relationWeight = Arrays.copyOf(b.weight, relations);
        int n = names.length;
        this.adjacencyStart = new int[n + 1];
        for (int r = 0; r < relations; r++) {
            adjacencyStart[relationSource[r] + 1]++;
            if (relationTarget[r] != relationSource[r]) {
                adjacencyStart[relationTarget[r] + 1]++;
            }
        }
        for (int e = 0; e < n; e++) {
            adjacencyStart[e + 1] += adjacencyStart[e];
        }
        this.adjacency = new int[adjacencyStart[n]];
        int[] fill = Arrays.copyOf(adjacencyStart, n);
        for (int r = 0; r < relations; r++) {
            adjacency[fill[relationSource[r]]++] = r;
            if (relationTarget[r] != relationSource[r]) {
                adjacency[fill[relationTarget[r]]++] = r;
            }
        }
    }

    /** Reads the version from the store and indexes it. */
    public static GraphIndex load(KnowledgeGraphStore store, UUID adapterId, UUID versionId) {
        return build(adapterId, versionId, visitor -> store.read(versionId, visitor));
    }

    /** Indexes whatever the source feeds the visitor: entities in ordinal order, then relations. */
    public static GraphIndex build(UUID adapterId, UUID versionId,
            java.util.function.Consumer<KnowledgeGraphStore.GraphVisitor> source) {
        var builder = new Builder(adapterId, versionId);
        source.accept(builder);
        return new GraphIndex(builder);
    }

    public UUID adapterId() {
        return adapterId;
    }

    public UUID versionId() {
        return versionId;
    }

    public int entityCount() {
        return names.length;
    }

    public int relationCount() {
        return relationType.length;
    }

    public String name(int entity) {
        return names[entity];
    }

    public @Nullable String type(int entity) {
        return types[entity];
    }

    /** Aliases and attributes as one line of text ({@code aliases: A, B; founded: 1987}); empty when none. */
    public String details(int entity) {
        return details[entity];
    }

    /** Entities mentioned in the text (any language), with every accepted occurrence. */
    public List<Mention> mentions(String text) {
        String normalized = TextNormalizer.normalize(text);
        var mentions = new ArrayList<Mention>();
        for (NameMatcher.Match match : matcher.find(normalized)) {
            for (int entity : patternEntities[match.pattern()]) {
                mentions.add(new Mention(entity, match.start(), normalized.substring(match.start(), match.end())));
            }
        }
        return mentions;
    }

    /** An occurrence of an entity's name or alias at a position of the normalized text. */
    public record Mention(int entity, int position, String matched) {}

    public int relationSource(int relation) {
        return relationSource[relation];
    }

    public int relationTarget(int relation) {
        return relationTarget[relation];
    }

    public String relationType(int relation) {
        return relationType[relation];
    }

    public double relationWeight(int relation) {
        return relationWeight[relation];
    }

    /** Relations that start or end at the entity, in ordinal (file) order. */
    public int[] relationsOf(int entity) {
        return Arrays.copyOfRange(adjacency, adjacencyStart[entity], adjacencyStart[entity + 1]);
    }

    /** Collects a version from the store's stream; relation types are interned (few distinct strings). */
    static final class Builder implements KnowledgeGraphStore.GraphVisitor {
        private final UUID adapterId;
        private final UUID versionId;
        private final List<String> names = new ArrayList<>();
        private final List<@Nullable String> types = new ArrayList<>();
        private final List<String> details = new ArrayList<>();
        private final Map<String, List<Integer>> patterns = new LinkedHashMap<>();
        private final Map<String, String> interned = new HashMap<>();
        private final List<String> relationTypes = new ArrayList<>();
        private int[] source = new int[1024];
        private int[] target = new int[1024];
        private double[] weight = new double[1024];

        Builder(UUID adapterId, UUID versionId) {
            this.adapterId = adapterId;
            this.versionId = versionId;
        }

        @Override
        public void entity(KnowledgeGraphStore.StoredEntity entity) {
            int ordinal = names.size();
            names.add(entity.name());
            types.add(entity.type() == null ? null : interned.computeIfAbsent(entity.type(), t -> t));
            details.add(details(entity));
            pattern(entity.name(), ordinal);
            entity.aliases().forEach(alias -> pattern(alias, ordinal));
        }

        private void pattern(String name, int ordinal) {
            String normalized = TextNormalizer.normalize(name);
            if (!normalized.isEmpty()) {
                patterns.computeIfAbsent(normalized, k -> new ArrayList<>(1)).add(ordinal);
            }
        }

        private static String details(KnowledgeGraphStore.StoredEntity entity) {
            var parts = new ArrayList<String>();
            if (!entity.aliases().isEmpty()) {
                parts.add("aliases: " + String.join(", ", entity.aliases()));
            }
            entity.attributes().forEach((key, value) -> parts.add(key + ": " + value));
            return parts.stream().map(GraphIndex::oneLine).collect(Collectors.joining("; "));
        }

        @Override
        public void relation(KnowledgeGraphStore.StoredRelation relation) {
            int r = relationTypes.size();
            if (r == source.length) {
                source = Arrays.copyOf(source, r * 2);
                target = Arrays.copyOf(target, r * 2);
                weight = Arrays.copyOf(weight, r * 2);
            }
            source[r] = relation.source();
            target[r] = relation.target();
            weight[r] = relation.weight();
            relationTypes.add(interned.computeIfAbsent(relation.type(), t -> t));
        }
    }

    /** Keeps rendered context one line per item, whatever the source text holds. */
    public static String oneLine(String text) {
        return text.replaceAll("\\s+", " ").strip();
    }
}
