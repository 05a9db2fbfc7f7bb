package io.moeplatform.adapters.kg.importing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * CSV triples, one relation per line: {@code subject,predicate,object[,weight]} (RFC 4180 quoting, UTF-8, an
 * optional header line {@code subject,predicate,object[,weight]}). Subjects and objects are entities named by their
 * text; a quoted field may not span lines, so every error names one line.
 */
final class CsvTripleParser implements GraphParser {

    @Override
    public void parse(InputStream in, GraphSink sink, ImportProblems problems) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int lineNumber = 0;
        try (var reader = new BufferedReader(new InputStreamReader(in, decoder))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (lineNumber == 1 && line.startsWith("\uFEFF")) {
                    line = line.substring(1);
                }
                if (line.isBlank()) {
                    continue;
                }
                String location = "line " + lineNumber;
                List<String> fields = fields(line, location, problems);
                if (fields == null) {
                    continue;
                }
                if (lineNumber == 1 && isHeader(fields)) {
                    continue;
                }
                triple(fields, location, sink, problems);
            }
        } catch (CharacterCodingException e) {
            throw problems.fatal("line " + (lineNumber + 1), "the file is not valid UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isHeader(List<String> fields) {
        return fields.size() >= 3 && fields.get(0).trim().toLowerCase(Locale.ROOT).equals("subject")
                && fields.get(1).trim().toLowerCase(Locale.ROOT).equals("predicate")
                && fields.get(2).trim().toLowerCase(Locale.ROOT).equals("object");
    }

    private static void triple(List<String> fields, String location, GraphSink sink, ImportProblems problems) {
        if (fields.size() < 3 || fields.size() > 4) {
            problems.add(location, "expected 3 or 4 fields (subject,predicate,object[,weight]), found "
                    + fields.size());
            return;
        }
        String subject = fields.get(0).strip();
        String predicate = fields.get(1).strip();
        String object = fields.get(2).strip();
        if (subject.isEmpty() || predicate.isEmpty() || object.isEmpty()) {
            problems.add(location, "subject, predicate and object must not be empty");
            return;
        }
        double weight = 1;
        if (fields.size() == 4 && !fields.get(3).isBlank()) {
            try {
                weight = Double.parseDouble(fields.get(3).strip());
            } catch (NumberFormatException e) {
                weight = -1;
            }
            if (!Double.isFinite(weight) || weight < 0) {
                problems.add(location, "weight '" + fields.get(3).strip() + "' is not a finite number ≥ 0");
                return;
            }
        }
        sink.implicitEntity(subject, location);
        sink.implicitEntity(object, location);
        sink.relation(new GraphRelation(subject, object, predicate, weight, Map.of()), location);
    }

    /** Splits one line into fields; null (and a problem) when a quote is not closed on the line. */
    static @Nullable List<String> fields(String line, String location, ImportProblems problems) {
        var fields = new ArrayList<String>();
        var field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    field.append(c);
                }
            } else if (c == '"' && field.toString().isBlank() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
                field.setLength(0);
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (wasQuoted && !Character.isWhitespace(c)) {
                problems.add(location, "unexpected character after a closing quote in field " + (fields.size() + 1));
                return null;
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            problems.add(location, "a quoted field is not closed on this line");
            return null;
        }
        fields.add(field.toString());
        return fields;
    }
}
