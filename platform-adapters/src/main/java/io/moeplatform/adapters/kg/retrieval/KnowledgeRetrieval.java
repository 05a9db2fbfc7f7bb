package io.moeplatform.adapters.kg.retrieval;

import io.moeplatform.adapters.kg.index.GraphIndex;
import io.moeplatform.inference.PromptCodec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Retrieval over one indexed graph, for one prompt: link the entities the user's messages mention, walk k hops
 * from them, rank the relations met, and render what fits the token budget. Deterministic: the same graph,
 * texts and settings give the same text, byte for byte.
 *
 * <p>Ranking of facts: fewer hops first, then higher weight, then the more often mentioned linked entity they
 * were reached from, then file order. Expansion visits at most {@value #EXPANSION_CAP} relations, so a hub
 * entity with a huge degree bounds the work per request (the nearest hops are visited first).
 */
public final class KnowledgeRetrieval {

    static final int EXPANSION_CAP = 20_000;
    /** Linked entities rendered before the facts when the budget is tight; the rest come after them. */
    private static final int LEADING_ENTITIES = 3;

    private KnowledgeRetrieval() {}

    private record Candidate(int relation, int hops, int originMentions) {}

    private static final class Link {
        final int entity;
        final int order;
        final String matched;
        int mentions;

        Link(int entity, int order, String matched) {
            this.entity = entity;
            this.order = order;
            this.matched = matched;
        }
    }

    public static KnowledgeContext retrieve(GraphIndex index, String adapterName, List<String> texts,
            PromptCodec codec, RetrievalSettings settings) {
        List<Link> links = link(index, texts);
        if (links.isEmpty()) {
            return KnowledgeContext.empty();
        }
        List<Link> seeds = links.subList(0, Math.min(links.size(), settings.maxLinkedEntities()));
        List<Candidate> ranked = expand(index, seeds, settings);
        var entities = seeds.stream().map(l -> new LinkedEntity(index.name(l.entity), index.type(l.entity),
                l.mentions, l.matched)).toList();
        var facts = ranked.stream().map(c -> new Fact(index.name(index.relationSource(c.relation)),
                index.relationType(c.relation), index.name(index.relationTarget(c.relation)),
                index.relationWeight(c.relation), c.hops)).toList();
        return render(index, adapterName, seeds, entities, facts, codec, settings);
    }

    /** Every linked entity, most mentioned first, then by first occurrence. */
    static List<Link> link(GraphIndex index, List<String> texts) {
        var links = new LinkedHashMap<Integer, Link>();
        for (String text : texts) {
            for (GraphIndex.Mention mention : index.mentions(text)) {
                links.computeIfAbsent(mention.entity(), e -> new Link(e, links.size(), mention.matched())).mentions++;
            }
        }
        var sorted = new ArrayList<>(links.values());
        sorted.sort(Comparator.comparingInt((Link l) -> -l.mentions).thenComparingInt(l -> l.order));
        return sorted;
    }

    private static List<Candidate> expand(GraphIndex index, List<Link> seeds, RetrievalSettings settings) {
        var distance = new HashMap<Integer, Integer>();
        var origin = new HashMap<Integer, Integer>();
        var seen = new HashMap<Integer, Candidate>();
        List<Integer> frontier = new ArrayList<>();
        for (Link seed : seeds) {
            distance.put(seed.entity, 0);
            origin.put(seed.entity, seed.mentions);
            frontier.add(seed.entity);
        }
        expansion : for (int hop = 1; hop <= settings.hops() && !frontier.isEmpty(); hop++) {
            List<Integer> next = new ArrayList<>();
            for (int entity : frontier) {
                int mentions = origin.get(entity);
                for (int relation : index.relationsOf(entity)) {
                    if (!settings.relationTypes().isEmpty()
                            && !settings.relationTypes().contains(index.relationType(relation))) {
                        continue;
                    }
                    if (!seen.containsKey(relation)) {
                        seen.put(relation, new Candidate(relation, hop, mentions));
                        if (seen.size() >= EXPANSION_CAP) {
                            break expansion;
                        }
                    }
                    int source = index.relationSource(relation);
                    int other = source == entity ? index.relationTarget(relation) : source;
                    if (!distance.containsKey(other)) {
                        distance.put(other, hop);
                        origin.put(other, mentions);
                        next.add(other);
                    }
                }
            }
            frontier = next;
        }
        var ranked = new ArrayList<>(seen.values());
        ranked.sort(Comparator.comparingInt(Candidate::hops)
                .thenComparing(c -> -index.relationWeight(c.relation))
                .thenComparingInt(c -> -c.originMentions).thenComparingInt(Candidate::relation));
        return ranked.subList(0, Math.min(ranked.size(), settings.maxFacts()));
    }

    private record Item(boolean entity, int rank, String line) {}

    /**
     * Chooses lines by priority (the first linked entities, then facts by rank, then the other entities) up to
     * the first whose estimated tokens do not fit, renders the sections in a fixed order, then checks the exact count of the whole
     * text with the model's tokenizer, dropping the lowest-priority line until it fits.
     */
    private static KnowledgeContext render(GraphIndex index, String adapterName, List<Link> seeds,
            List<LinkedEntity> entities, List<Fact> facts, PromptCodec codec, RetrievalSettings settings) {
        var priority = new ArrayList<Item>();
        for (int i = 0; i < Math.min(LEADING_ENTITIES, seeds.size()); i++) {
            priority.add(new Item(true, i, entityLine(index, seeds.get(i).entity)));
        }
        for (int i = 0; i < facts.size(); i++) {
            Fact f = facts.get(i);
            priority.add(new Item(false, i,
                    "- " + GraphIndex.oneLine(f.source()) + " -[" + GraphIndex.oneLine(f.type()) + "]-> "
                            + GraphIndex.oneLine(f.target())));
        }
        for (int i = LEADING_ENTITIES; i < seeds.size(); i++) {
            priority.add(new Item(true, i, entityLine(index, seeds.get(i).entity)));
        }
        int overhead = codec.encode(apply(settings.template(), adapterName, "Entities:\nFacts:\n")).length;
        var chosen = new ArrayList<Item>();
        int estimate = overhead;
        for (Item item : priority) {
            int cost = codec.encode(item.line + "\n").length;
            if (estimate + cost > settings.tokenBudget()) {
                break; // keep a prefix of the priority order: a lower-ranked line never displaces a better one
            }
            chosen.add(item);
            estimate += cost;
        }
        while (!chosen.isEmpty()) {
            String text = apply(settings.template(), adapterName, context(chosen));
            int tokens = codec.encode(text).length;
            if (tokens <= settings.tokenBudget()) {
                var keptEntities = chosen.stream().filter(Item::entity).map(i -> entities.get(i.rank)).toList();
                var keptFacts = chosen.stream().filter(i -> !i.entity).map(i -> facts.get(i.rank)).toList();
                return new KnowledgeContext(keptEntities, keptFacts, text, tokens);
            }
            chosen.removeLast();
        }
        return KnowledgeContext.empty();
    }

    private static String context(List<Item> chosen) {
        var text = new StringBuilder();
        appendSection(text, "Entities:", chosen.stream().filter(Item::entity)
                .sorted(Comparator.comparingInt(Item::rank)).toList());
        appendSection(text, "Facts:", chosen.stream().filter(i -> !i.entity)
                .sorted(Comparator.comparingInt(Item::rank)).toList());
        return text.toString().stripTrailing();
    }

    private static void appendSection(StringBuilder text, String title, List<Item> items) {
        if (items.isEmpty()) {
            return;
        }
        text.append(title).append('\n');
        items.forEach(item -> text.append(item.line).append('\n'));
    }

    private static String entityLine(GraphIndex index, int entity) {
        var line = new StringBuilder("- ").append(GraphIndex.oneLine(index.name(entity)));
        if (index.type(entity) != null) {
            line.append(" [").append(GraphIndex.oneLine(index.type(entity))).append(']');
        }
        if (!index.details(entity).isEmpty()) {
            line.append(": ").append(index.details(entity));
        }
        return line.toString();
    }

    static String apply(String template, String adapterName, String context) {
        return template.replace("{adapter}", adapterName).replace("{context}", context);
    }
}
