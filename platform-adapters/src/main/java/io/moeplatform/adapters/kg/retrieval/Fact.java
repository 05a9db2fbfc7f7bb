package io.moeplatform.adapters.kg.retrieval;

/**
 * A relation chosen for the context, as rendered: {@code source -[type]-> target}.
 *
 * @param hops distance from the nearest linked entity (1: the relation touches one)
 */
public record Fact(String source, String type, String target, double weight, int hops) {}
