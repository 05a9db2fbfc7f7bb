package io.moeplatform.adapters.kg.importing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.rdf4j.model.IRI;
import org.eclipse.rdf4j.model.Literal;
import org.eclipse.rdf4j.model.Resource;
import org.eclipse.rdf4j.model.Statement;
import org.eclipse.rdf4j.model.Value;
import org.eclipse.rdf4j.model.util.Values;
import org.eclipse.rdf4j.model.vocabulary.FOAF;
import org.eclipse.rdf4j.model.vocabulary.RDF;
import org.eclipse.rdf4j.model.vocabulary.RDFS;
import org.eclipse.rdf4j.model.vocabulary.SKOS;
import org.eclipse.rdf4j.rio.RDFFormat;
import org.eclipse.rdf4j.rio.RDFHandlerException;
import org.eclipse.rdf4j.rio.RDFParseException;
import org.eclipse.rdf4j.rio.RDFParser;
import org.eclipse.rdf4j.rio.Rio;
import org.eclipse.rdf4j.rio.helpers.AbstractRDFHandler;
import org.jspecify.annotations.Nullable;

/**
 * RDF Turtle and N-Triples with Eclipse RDF4J Rio. Resources (IRIs, blank nodes) become entities keyed by their
 * IRI; {@code rdfs:label}, {@code skos:prefLabel}, {@code foaf:name} and {@code schema:name} give the name (the
 * first one; later ones become aliases), {@code skos:altLabel} aliases, {@code rdf:type} the type, other literals
 * attributes; a triple between two resources is a relation typed by the predicate's local name.
 *
 * <p>RDF does not keep a subject's triples together, so entities are gathered before they are written: the graph
 * is held once in memory during the parse (statements themselves are streamed).
 */
final class RdfGraphParser implements GraphParser {

    private static final Set<IRI> NAMES = Set.of(RDFS.LABEL, SKOS.PREF_LABEL, FOAF.NAME,
            Values.iri("http://schema.org/name"), Values.iri("https://schema.org/name"));

    private final GraphFormat format;

    RdfGraphParser(GraphFormat format) {
        this.format = format;
    }

    private static final class EntityDraft {
        final String key;
        final String location;
        @Nullable
        String name;
        final List<String> aliases = new ArrayList<>();
        @Nullable
        String type;
        final Map<String, String> attributes = new LinkedHashMap<>();

        EntityDraft(String key, String location) {
            this.key = key;
            this.location = location;
        }
    }

    private record RelationDraft(GraphRelation relation, String location) {}

    @Override
    public void parse(InputStream in, GraphSink sink, ImportProblems problems) {
        var entities = new LinkedHashMap<String, EntityDraft>();
        var relations = new ArrayList<RelationDraft>();
        RDFParser parser = Rio.createParser(format == GraphFormat.TURTLE ? RDFFormat.TURTLE : RDFFormat.NTRIPLES);
        var locator = new LineLocator();
        parser.setParseLocationListener(locator);
        parser.setRDFHandler(new AbstractRDFHandler() {
            @Override
            public void handleStatement(Statement statement) throws RDFHandlerException {
                String location = "line " + locator.line;
                EntityDraft subject = entities.computeIfAbsent(key(statement.getSubject()),
                        key -> new EntityDraft(key, location));
                IRI predicate = statement.getPredicate();
                Value object = statement.getObject();
                if (object instanceof Literal literal) {
                    String text = literal.getLabel();
                    if (NAMES.contains(predicate)) {
                        if (subject.name == null) {
                            subject.name = text;
                        } else if (!subject.name.equals(text) && !subject.aliases.contains(text)) {
                            subject.aliases.add(text);
                        }
                    } else if (predicate.equals(SKOS.ALT_LABEL)) {
                        subject.aliases.add(text);
                    } else if (predicate.equals(RDF.TYPE)) {
                        subject.type = text;
                    } else {
                        subject.attributes.merge(predicate.getLocalName(), text, (a, b) -> a + ", " + b);
                    }
                } else if (predicate.equals(RDF.TYPE) && object instanceof IRI type) {
                    subject.type = type.getLocalName();
                } else {
                    String target = key((Resource) object);
                    entities.computeIfAbsent(target, key -> new EntityDraft(key, location));
                    relations.add(new RelationDraft(new GraphRelation(subject.key, target, predicate.getLocalName(),
                            1, Map.of()), location));
                }
            }
        });
        try {
            parser.parse(in, "urn:moe-platform:import:");
        } catch (RDFParseException e) {
            String where = e.getLineNumber() >= 0 ? "line " + e.getLineNumber() : "line " + locator.line;
            throw problems.fatal(where, "malformed " + (format == GraphFormat.TURTLE ? "Turtle" : "N-Triples")
                    + ": " + stripLocation(e.getMessage()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (EntityDraft draft : entities.values()) {
            String name = draft.name != null ? draft.name : localName(draft.key);
            sink.entity(new GraphEntity(draft.key, name, draft.aliases, draft.type, draft.attributes),
                    draft.location);
        }
        for (RelationDraft draft : relations) {
            sink.relation(draft.relation(), draft.location());
        }
    }

    private static String key(Resource resource) {
        return resource.isIRI() ? resource.stringValue() : "_:" + resource.stringValue();
    }

    /** The last part of an IRI (after '#', '/' or ':'), the name of an entity without a label. */
    static String localName(String key) {
        int cut = Math.max(key.lastIndexOf('#'), Math.max(key.lastIndexOf('/'), key.lastIndexOf(':')));
        String local = cut >= 0 && cut < key.length() - 1 ? key.substring(cut + 1) : key;
        return java.net.URLDecoder.decode(local.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static String stripLocation(@Nullable String message) {
        if (message == null) {
            return "syntax error";
        }
        int bracket = message.lastIndexOf(" [line ");
        return bracket > 0 ? message.substring(0, bracket) : message;
    }

    /** Tracks the parser's current line, so each statement's location can be named. */
    private static final class LineLocator implements org.eclipse.rdf4j.rio.ParseLocationListener {
        long line = 1;

        @Override
        public void parseLocationUpdate(long lineNo, long columnNo) {
            line = lineNo;
        }
    }
}
