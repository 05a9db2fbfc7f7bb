package io.moeplatform.adapters.kg.importing;

import java.io.InputStream;

/** Reads one source format and streams its entities and relations into a sink. */
interface GraphParser {

    /**
     * @throws GraphImportException on a syntax error that ends reading (its location named)
     */
    void parse(InputStream in, GraphSink sink, ImportProblems problems);

    static GraphParser of(GraphFormat format) {
        return switch (format) {
            case JSON -> new JsonGraphParser();
            case CSV -> new CsvTripleParser();
            case TURTLE, N_TRIPLES -> new RdfGraphParser(format);
        };
    }
}
