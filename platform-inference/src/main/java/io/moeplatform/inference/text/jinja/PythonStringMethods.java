package io.moeplatform.inference.text.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;
import org.jspecify.annotations.Nullable;

/**
 * Resolves calls of Python {@code str} methods on strings, which Jinjava would
 * otherwise look up as Java methods ({@code startswith} is not
 * {@code startsWith}). Supported: startswith, endswith (a string or a tuple of
 * strings), split (with or without separator and maxsplit), rsplit, strip,
 * lstrip, rstrip (whitespace or a set of characters), upper, lower, title,
 * capitalize, replace, find, count, join, isdigit, isspace. Anything else falls
 * through to Jinjava's Java method resolution.
 */
public final class PythonStringMethods extends ELResolver {

    @Override
    public @Nullable Object invoke(ELContext context, @Nullable Object base, @Nullable Object method,
            Class<?> @Nullable [] paramTypes, Object @Nullable [] params) {
        if (!(base instanceof CharSequence sequence) || !(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(sequence.toString(), name, args);
        if (result != NOT_FOUND) {
            context.setPropertyResolved(true);
            return result;
        }
        return null;
    }

    private static final Object NOT_FOUND = new Object();

    static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "startswith" -> anyOf(args[0], prefix -> s.startsWith(prefix));
            case "endswith" -> anyOf(args[0], suffix -> s.endsWith(suffix));
            case "strip" -> rstrip(lstrip(s, chars(args)), chars(args));
            case "lstrip" -> lstrip(s, chars(args));
            case "rstrip" -> rstrip(s, chars(args));
            case "split" -> split(s, separator(args), maxsplit(args));
            case "rsplit" -> rsplit(s, separator(args), maxsplit(args));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty()
                    ? s
                    : s.substring(0, 1).toUpperCase(Locale.ROOT)
                            + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> s.replace(String.valueOf(args[0]), String.valueOf(args[1]));
            case "find" -> s.indexOf(String.valueOf(args[0]));
            case "count" -> count(s, String.valueOf(args[0]));
            case "join" -> join(s, args[0]);
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
            default -> NOT_FOUND;
        };
    }

    private static boolean anyOf(Object arg, java.util.function.Predicate<String> test) {
        if (arg instanceof Iterable<?> options) {
            for (Object option : options) {
                if (test.test(String.valueOf(option))) {
                    return true;
                }
            }
            return false;
        }
        return test.test(String.valueOf(arg));
    }

    /** Characters to strip; null means Python's default, whitespace. */
    private static @Nullable String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
    }

    private static boolean stripped(char c, @Nullable String chars) {
        return chars == null ? Character.isWhitespace(c) : chars.indexOf(c) >= 0;
    }

    private static String lstrip(String s, @Nullable String chars) {
        int start = 0;
        while (start < s.length() && stripped(s.charAt(start), chars)) {
            start++;
        }
        return s.substring(start);
    }

    private static String rstrip(String s, @Nullable String chars) {
        int end = s.length();
        while (end > 0 && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(0, end);
    }

    private static @Nullable String separator(Object[] args) {
        return args.length == 0 || args[0] == null ? null : String.valueOf(args[0]);
    }

    private static int maxsplit(Object[] args) {
        return args.length < 2 || args[1] == null ? -1 : ((Number) args[1]).intValue();
    }

    /** Python's str.split: with a separator, exact pieces; without, runs of whitespace. */
    static List<String> split(String s, @Nullable String separator, int maxsplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            String rest = lstrip(s, null);
            while (!rest.isEmpty()) {
                if (maxsplit >= 0 && parts.size() == maxsplit) {
                    parts.add(rest);
                    return parts;
                }
                int end = 0;
                while (end < rest.length() && !Character.isWhitespace(rest.charAt(end))) {
                    end++;
                }
                parts.add(rest.substring(0, end));
                rest = lstrip(rest.substring(end), null);
            }
            return parts;
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("split(): empty separator");
        }
        int start = 0;
        int at;
        while ((maxsplit < 0 || parts.size() < maxsplit) && (at = s.indexOf(separator, start)) >= 0) {
            parts.add(s.substring(start, at));
            start = at + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static List<String> rsplit(String s, @Nullable String separator, int maxsplit) {
        if (maxsplit < 0 || separator == null) {
            return split(s, separator, maxsplit);
        }
        List<String> parts = new ArrayList<>();
        int end = s.length();
        int at;
        while (parts.size() < maxsplit && (at = s.lastIndexOf(separator, end - separator.length())) >= 0) {
            parts.addFirst(s.substring(at + separator.length(), end));
            end = at;
        }
        parts.addFirst(s.substring(0, end));
        return parts;
    }

    private static String title(String s) {
        var out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (char c : s.toCharArray()) {
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Object items) {
        var parts = new ArrayList<String>();
        if (items instanceof Iterable<?> iterable) {
            iterable.forEach(item -> parts.add(String.valueOf(item)));
        } else {
            parts.add(String.valueOf(items));
        }
        return String.join(separator, parts);
    }

    @Override
    public @Nullable Object getValue(ELContext context, @Nullable Object base, Object property) {
        return null;
    }

    @Override
    public @Nullable Class<?> getType(ELContext context, @Nullable Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, @Nullable Object base, Object property, @Nullable Object value) {}

    @Override
    public boolean isReadOnly(ELContext context, @Nullable Object base, Object property) {
        return true;
    }

    @Override
    public java.util.@Nullable Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(ELContext context,
            @Nullable Object base) {
        return null;
    }

    @Override
    public @Nullable Class<?> getCommonPropertyType(ELContext context, @Nullable Object base) {
        return base instanceof CharSequence ? Object.class : null;
    }
}
