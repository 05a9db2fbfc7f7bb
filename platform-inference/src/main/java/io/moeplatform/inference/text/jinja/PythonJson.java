package io.moeplatform.inference.text.jinja;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}, which is
 * what transformers' {@code tojson} filter produces: {@code ", "} and
 * {@code ": "} separators without indent, {@code ","} and newlines with it,
 * non-ASCII characters kept, keys in insertion order.
 */
final class PythonJson {

    private PythonJson() {}

    static String dumps(@Nullable Object value, @Nullable Integer indent) {
        var out = new StringBuilder();
        write(out, value, indent, 0);
        return out.toString();
    }

    private static void write(StringBuilder out, @Nullable Object value, @Nullable Integer indent, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d when d.isNaN() -> out.append("NaN");
            case Double d when d.isInfinite() -> out.append(d > 0 ? "Infinity" : "-Infinity");
            case Number n -> out.append(n);
            case CharSequence s -> quote(out, s.toString());
            case Map<?, ?> map -> {
                if (map.isEmpty()) {
                    out.append("{}");
                    return;
                }
                out.append('{');
                boolean first = true;
                for (var entry : map.entrySet()) {
                    separate(out, first, indent, depth + 1);
                    first = false;
                    quote(out, String.valueOf(entry.getKey()));
                    out.append(": ");
                    write(out, entry.getValue(), indent, depth + 1);
                }
                close(out, indent, depth);
                out.append('}');
            }
            case Iterable<?> items -> {
                if (!items.iterator().hasNext()) {
                    out.append("[]");
                    return;
                }
                out.append('[');
                boolean first = true;
                for (Object item : items) {
                    separate(out, first, indent, depth + 1);
                    first = false;
                    write(out, item, indent, depth + 1);
                }
                close(out, indent, depth);
                out.append(']');
            }
            default -> quote(out, value.toString());
        }
    }

    private static void separate(StringBuilder out, boolean first, @Nullable Integer indent, int depth) {
        if (indent == null) {
            if (!first) {
                out.append(", ");
            }
        } else {
            out.append(first ? "\n" : ",\n").append(" ".repeat(indent * depth));
        }
    }

    private static void close(StringBuilder out, @Nullable Integer indent, int depth) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void quote(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
