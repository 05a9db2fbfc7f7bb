package io.moeplatform.adapters.kg.importing;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON format: {@code {"entities": [{"id", "name", "aliases", "type", "attributes"}], "relations":
 * [{"source", "target", "type", "weight", "attributes"}]}}. Read with a streaming parser, one array element at a
 * time, so a large file is never held as one tree. Locations are JSON paths with their line, e.g.
 * {@code $.entities[3].name (line 40)}.
 */
final class JsonGraphParser implements GraphParser {

    /** Reads one element at a time from the open stream, so the rest of the file is not "trailing". */
    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    @Override
    public void parse(InputStream in, GraphSink sink, ImportProblems problems) {
        try (JsonParser parser = JSON.createParser(in)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw problems.fatal(at("$", parser.currentTokenLocation()),
                        "expected a JSON object with \"entities\" and \"relations\" arrays");
            }
            while (parser.nextToken() == JsonToken.PROPERTY_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                switch (field) {
                    case "entities" -> readArray(parser, value, "$.entities", problems,
                            (node, path) -> entity(node, path, sink, problems));
                    case "relations" -> readArray(parser, value, "$.relations", problems,
                            (node, path) -> relation(node, path, sink, problems));
                    default -> parser.skipChildren();
                }
            }
            if (parser.nextToken() != null) {
                throw problems.fatal(at("$", parser.currentTokenLocation()), "unexpected content after the object");
            }
        } catch (JacksonException e) {
            var location = e.getLocation();
            String where = location == null
                    ? "$"
                    : "line " + location.getLineNr() + ", column "
                            + location.getColumnNr();
            throw problems.fatal(where, "malformed JSON: " + e.getOriginalMessage());
        }
    }

    private interface ElementReader {
        void read(JsonNode node, String path);
    }

    private static void readArray(JsonParser parser, JsonToken value, String path, ImportProblems problems,
            ElementReader reader) {
        if (value != JsonToken.START_ARRAY) {
            throw problems.fatal(at(path, parser.currentTokenLocation()), "expected an array");
        }
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            TokenStreamLocation start = parser.currentTokenLocation();
            JsonNode node = JSON.readTree(parser);
            reader.read(node, path + "[" + index + "] (line " + start.getLineNr() + ")");
            index++;
        }
    }

    private static void entity(JsonNode node, String location, GraphSink sink, ImportProblems problems) {
        if (!node.isObject()) {
            problems.add(location, "an entity must be an object");
            return;
        }
        String id = text(node, "id", location, problems, true);
        String name = text(node, "name", location, problems, true);
        String type = text(node, "type", location, problems, false);
        var aliases = new ArrayList<String>();
        JsonNode aliasNode = node.get("aliases");
        if (aliasNode != null && !aliasNode.isNull()) {
            if (!aliasNode.isArray()) {
                problems.add(field(location, "aliases"), "aliases must be an array of strings");
            } else {
                for (int i = 0; i < aliasNode.size(); i++) {
                    if (!aliasNode.get(i).isString()) {
                        problems.add(field(location, "aliases[" + i + "]"), "an alias must be a string");
                    } else {
                        aliases.add(aliasNode.get(i).asString());
                    }
                }
            }
        }
        var attributes = attributes(node, location, problems);
        if (id != null && name != null && attributes != null) {
            sink.entity(new GraphEntity(id, name, aliases, type, attributes), location);
        }
    }

    private static void relation(JsonNode node, String location, GraphSink sink, ImportProblems problems) {
        if (!node.isObject()) {
            problems.add(location, "a relation must be an object");
            return;
        }
        String source = text(node, "source", location, problems, true);
        String target = text(node, "target", location, problems, true);
        String type = text(node, "type", location, problems, true);
        double weight = 1;
        JsonNode weightNode = node.get("weight");
        if (weightNode != null && !weightNode.isNull()) {
            if (!weightNode.isNumber() || !Double.isFinite(weightNode.asDouble()) || weightNode.asDouble() < 0) {
                problems.add(field(location, "weight"), "weight must be a finite number ≥ 0");
                return;
            }
            weight = weightNode.asDouble();
        }
        var attributes = attributes(node, location, problems);
        if (source != null && target != null && type != null && attributes != null) {
            sink.relation(new GraphRelation(source, target, type, weight, attributes), location);
        }
    }

    /** Attribute values may be any JSON; scalars keep their text, arrays and objects their compact JSON. */
    private static @Nullable Map<String, String> attributes(JsonNode node, String location,
            ImportProblems problems) {
        var attributes = new LinkedHashMap<String, String>();
        JsonNode value = node.get("attributes");
        if (value == null || value.isNull()) {
            return attributes;
        }
        if (!value.isObject()) {
            problems.add(field(location, "attributes"), "attributes must be an object");
            return null;
        }
        for (var property : value.properties()) {
            JsonNode v = property.getValue();
            attributes.put(property.getKey(), v.isValueNode() ? v.asString() : v.toString());
        }
        return attributes;
    }

    private static @Nullable String text(JsonNode node, String name, String location, ImportProblems problems,
            boolean required) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                problems.add(field(location, name), "\"" + name + "\" is required");
            }
            return null;
        }
        if (!value.isString() && !value.isNumber()) {
            problems.add(field(location, name), "\"" + name + "\" must be a string");
            return null;
        }
        return value.asString();
    }

    /** {@code $.entities[3] (line 40)} + {@code name} → {@code $.entities[3].name (line 40)}. */
    private static String field(String location, String name) {
        int space = location.indexOf(' ');
        return location.substring(0, space) + "." + name + location.substring(space);
    }

    private static String at(String path, TokenStreamLocation location) {
        return path + " (line " + location.getLineNr() + ")";
    }
}
