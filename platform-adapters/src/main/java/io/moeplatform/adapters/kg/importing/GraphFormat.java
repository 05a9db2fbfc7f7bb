package io.moeplatform.adapters.kg.importing;

import java.util.Locale;
import java.util.Optional;

/** The file formats a knowledge graph can be imported from, with the media types and names that select them. */
public enum GraphFormat {
    JSON("application/json", "json"), CSV("text/csv", "csv"), TURTLE("text/turtle",
            "turtle"), N_TRIPLES("application/n-triples", "ntriples");

    private final String mediaType;
    private final String parameter;

    GraphFormat(String mediaType, String parameter) {
        this.mediaType = mediaType;
        this.parameter = parameter;
    }

    public String mediaType() {
        return mediaType;
    }

    /** The name used in {@code ?format=}. */
    public String parameter() {
        return parameter;
    }

    /** By {@code ?format=} value ({@code json}, {@code csv}, {@code turtle}/{@code ttl}, {@code ntriples}/{@code nt}). */
    public static Optional<GraphFormat> ofParameter(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "json" -> Optional.of(JSON);
            case "csv" -> Optional.of(CSV);
            case "turtle", "ttl" -> Optional.of(TURTLE);
            case "ntriples", "n-triples", "nt" -> Optional.of(N_TRIPLES);
            default -> Optional.empty();
        };
    }

    /** By Content-Type, parameters such as {@code charset} ignored. */
    public static Optional<GraphFormat> ofMediaType(String contentType) {
        String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        for (GraphFormat format : values()) {
            if (format.mediaType.equals(type)) {
                return Optional.of(format);
            }
        }
        return type.equals("text/plain+ntriples") || type.equals("text/n-triples")
                ? Optional.of(N_TRIPLES)
                : Optional.empty();
    }
}
