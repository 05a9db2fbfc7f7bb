package io.moeplatform.adapters.kg.importing;

/**
 * Where a parser streams what it reads, one element at a time, each with its location in the source (a line, or a
 * JSON path with its line) for error messages. Invalid elements are reported to the sink's
 * {@link ImportProblems}, not thrown.
 */
public interface GraphSink {

    void entity(GraphEntity entity, String location);

    /** An entity known only by a name (CSV triples): created with that name as key, unless the key exists. */
    void implicitEntity(String name, String location);

    /** A relation; its endpoints may be entities that come later in the file. */
    void relation(GraphRelation relation, String location);
}
