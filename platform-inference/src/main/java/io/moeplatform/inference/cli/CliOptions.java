package io.moeplatform.inference.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * {@code --name value} options and {@code --flag} switches of one command, checked against the names the command
 * knows so that a typo fails instead of being ignored.
 */
final class CliOptions {

    private final String command;
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    private CliOptions(String command) {
        this.command = command;
    }

    /**
     * @param valued option names that take a value
     * @param switches option names that take none
     * @throws CliUsageException on an unknown option or a missing value
     */
    static CliOptions parse(String command, List<String> args, Set<String> valued, Set<String> switches) {
        CliOptions options = new CliOptions(command);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new CliUsageException(command + ": unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            if (switches.contains(name)) {
                options.flags.add(name);
            } else if (valued.contains(name)) {
                if (i + 1 >= args.size()) {
                    throw new CliUsageException(command + ": --" + name + " needs a value");
                }
                options.values.put(name, args.get(++i));
            } else {
                List<String> known = new ArrayList<>();
                valued.forEach(v -> known.add("--" + v));
                switches.forEach(s -> known.add("--" + s));
                known.sort(null);
                throw new CliUsageException(command + ": unknown option --" + name + "; known: " + known);
            }
        }
        return options;
    }

    @Nullable
    String value(String name) {
        return values.get(name);
    }

    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    int intValue(String name, int fallback) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new CliUsageException(command + ": --" + name + " must be a whole number, got '" + value + "'");
        }
    }

    float floatValue(String name, float fallback) {
        return (float) doubleValue(name, fallback);
    }

    double doubleValue(String name, double fallback) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.strip());
        } catch (NumberFormatException e) {
            throw new CliUsageException(command + ": --" + name + " must be a number, got '" + value + "'");
        }
    }

    @Nullable
    Long longValue(String name) {
        String value = values.get(name);
        if (value == null) {
            return null;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new CliUsageException(command + ": --" + name + " must be a whole number, got '" + value + "'");
        }
    }

    /** A comma-separated list of positive whole numbers, e.g. {@code 1,8,32}. */
    List<Integer> intList(String name, List<Integer> fallback) {
        String value = values.get(name);
        if (value == null) {
            return fallback;
        }
        List<Integer> list = new ArrayList<>();
        for (String part : value.split(",")) {
            try {
                int n = Integer.parseInt(part.strip());
                if (n < 1) {
                    throw new NumberFormatException();
                }
                list.add(n);
            } catch (NumberFormatException e) {
                throw new CliUsageException(command + ": --" + name
                        + " must be positive whole numbers separated by commas (e.g. 1,8,32), got '" + value + "'");
            }
        }
        return list;
    }
}
