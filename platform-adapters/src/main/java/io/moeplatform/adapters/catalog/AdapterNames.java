package io.moeplatform.adapters.catalog;

import java.util.regex.Pattern;

/**
 * Adapter names: lower-case letters, digits, dot, underscore and dash, starting with a letter or digit, at most
 * 63 characters. No colon, so {@code <base>:<adapter>} in a model name splits without ambiguity.
 */
public final class AdapterNames {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private AdapterNames() {}

    public static boolean isValid(String name) {
        return NAME.matcher(name).matches();
    }

    public static String checked(String name) {
        if (!isValid(name)) {
            throw AdapterException.invalid("Adapter name '" + name + "' is not valid: use 1 to 63 lower-case letters,"
                    + " digits, '.', '_' or '-', starting with a letter or digit.", "name");
        }
        return name;
    }
}
