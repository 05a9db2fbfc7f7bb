package io.moeplatform.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The environment variables the application reads, from the application itself and its documentation: the
 * {@code ${NAME:default}} placeholders of platform-api's {@code application.yaml}, the names of the "Stable
 * contracts" table of {@code docs/architecture.md}, and the few that other software in the image reads.
 */
final class StableContracts {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    private static final Pattern CONTRACT_NAME = Pattern.compile("`([A-Z][A-Z0-9_]*)`");

    /** Read by the JVM (JAVA_TOOL_OPTIONS), DJL (where it unpacks its native library) and Spring Boot. */
    static final Set<String> THIRD_PARTY = Set.of("JAVA_TOOL_OPTIONS", "DJL_CACHE_DIR",
            "SPRING_CONFIG_ADDITIONAL_LOCATION");

    private StableContracts() {}

    static Set<String> environmentNames() {
        var names = new TreeSet<>(THIRD_PARTY);
        PLACEHOLDER.matcher(Repository.read(Repository.APPLICATION_YAML)).results().map(m -> m.group(1))
                .forEach(names::add);
        String architecture = Repository.read(Repository.ROOT.resolve("docs/architecture.md"));
        int start = architecture.indexOf("## Stable contracts");
        if (start < 0) {
            throw new IllegalStateException("docs/architecture.md has no \"## Stable contracts\" section");
        }
        int end = architecture.indexOf("\n## ", start + 1);
        String table = architecture.substring(start, end < 0 ? architecture.length() : end);
        CONTRACT_NAME.matcher(table).results().map(m -> m.group(1)).forEach(names::add);
        return names;
    }
}
