package io.moeplatform.inference.text.jinja;

/**
 * Rewrites two pieces of jinja2 expression syntax that Jinjava's parser gets
 * wrong, before Jinjava sees the template. Only text inside {@code {{ }}} and
 * {@code {% %}} is touched, and string literals are skipped.
 * <ul>
 * <li>Extended slices with a step, {@code x[a:b:c]} (most often
 * {@code messages[::-1]}), which Jinjava rejects, become
 * {@code __py_slice(x, a, b, c)}; empty parts become {@code none}. The operand
 * {@code x} is the primary expression before the bracket: a name followed by any
 * chain of {@code .attr}, {@code [...]} and {@code (...)}. Plain slices
 * {@code x[a:b]} Jinjava parses itself.</li>
 * <li>Keyword arguments of calls, {@code f(k=v)}: Jinjava binds {@code k=v}
 * tighter than binary operators, so {@code namespace(i=messages|length - 1)}
 * would subtract 1 from the named parameter. We parenthesise every value,
 * {@code f(k=(v))}. Macro and call-block signatures are left alone.</li>
 * </ul>
 */
public final class PythonSyntax {

    private PythonSyntax() {}

    public static String rewrite(String template) {
        var out = new StringBuilder(template.length());
        int i = 0;
        while (i < template.length()) {
            int open = nextTagOpen(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            String close = template.charAt(open + 1) == '{' ? "}}" : "%}";
            int end = closeOf(template, open + 2, close);
            out.append(template, i, open + 2);
            String expression = template.substring(open + 2, end);
            String keyword = expression.strip().replaceFirst("^-", "").strip();
            boolean signature = keyword.startsWith("macro ") || keyword.startsWith("call");
            out.append(signature ? expression : parenthesiseKeywordArguments(rewriteExpression(expression)));
            i = end;
        }
        return out.toString();
    }

    private static int nextTagOpen(String s, int from) {
        for (int i = from; i + 1 < s.length(); i++) {
            if (s.charAt(i) == '{' && (s.charAt(i + 1) == '{' || s.charAt(i + 1) == '%')) {
                return i;
            }
        }
        return -1;
    }

    private static int closeOf(String s, int from, String close) {
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (s.startsWith(close, i)) {
                return i;
            }
        }
        return s.length();
    }

    /** Rewrites every stepped slice in one expression, innermost-left first. */
    static String rewriteExpression(String expression) {
        String current = expression;
        while (true) {
            int[] slice = findSteppedSlice(current);
            if (slice == null) {
                return current;
            }
            int bracket = slice[0];
            int closing = slice[1];
            int start = operandStart(current, bracket);
            String operand = current.substring(start, bracket);
            String[] parts = splitTopLevel(current.substring(bracket + 1, closing), ':');
            var call = new StringBuilder("__py_slice(").append(operand);
            for (String part : parts) {
                call.append(", ").append(part.isBlank() ? "none" : part.strip());
            }
            current = current.substring(0, start) + call.append(')') + current.substring(closing + 1);
        }
    }

    /** Wraps the value of every {@code name=value} argument of a call in parentheses. */
    static String parenthesiseKeywordArguments(String expression) {
        var out = new StringBuilder(expression.length() + 8);
        char quote = 0;
        int i = 0;
        while (i < expression.length()) {
            char c = expression.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < expression.length()) {
                    out.append(expression.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                i++;
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            }
            if (c == '(' && isCall(expression, i)) {
                int closing = matching(expression, i);
                if (closing > 0) {
                    out.append('(');
                    String[] arguments = splitTopLevel(expression.substring(i + 1, closing), ',');
                    for (int a = 0; a < arguments.length; a++) {
                        out.append(a == 0 ? "" : ",").append(keywordValueParenthesised(arguments[a]));
                    }
                    out.append(')');
                    i = closing + 1;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    private static boolean isCall(String s, int paren) {
        int i = paren - 1;
        while (i >= 0 && s.charAt(i) == ' ') {
            i--;
        }
        return i >= 0 && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_');
    }

    private static String keywordValueParenthesised(String argument) {
        var keyword = java.util.regex.Pattern.compile("^(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=)(?!=)(.*)$",
                java.util.regex.Pattern.DOTALL).matcher(argument);
        if (!keyword.matches()) {
            return parenthesiseKeywordArguments(argument);
        }
        return keyword.group(1) + "(" + parenthesiseKeywordArguments(keyword.group(2)) + ")";
    }

    /** [open bracket, close bracket] of the first bracket holding two top-level colons. */
    private static int @org.jspecify.annotations.Nullable [] findSteppedSlice(String s) {
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[') {
                int closing = matching(s, i);
                if (closing > 0 && splitTopLevel(s.substring(i + 1, closing), ':').length == 3) {
                    return new int[]{i, closing};
                }
            }
        }
        return null;
    }

    private static int matching(String s, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                if (--depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Splits a bracket's content at a separator outside nested brackets and strings. */
    private static String[] splitTopLevel(String s, char separator) {
        var parts = new java.util.ArrayList<String>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[' || c == '(' || c == '{') {
                depth++;
            } else if (c == ']' || c == ')' || c == '}') {
                depth--;
            } else if (c == separator && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts.toArray(String[]::new);
    }

    /** Start of the primary expression ending just before index end. */
    private static int operandStart(String s, int end) {
        int i = end;
        while (i > 0) {
            char c = s.charAt(i - 1);
            if (c == ']' || c == ')') {
                i = openingOf(s, i - 1);
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                i--;
            } else if (c == '\'' || c == '"') {
                i = s.lastIndexOf(c, i - 2);
            } else {
                break;
            }
        }
        if (i == end) {
            throw new IllegalArgumentException("cannot find what is sliced before '[' in: " + s.strip());
        }
        return i;
    }

    private static int openingOf(String s, int close) {
        int depth = 0;
        for (int i = close; i >= 0; i--) {
            char c = s.charAt(i);
            if (c == ']' || c == ')') {
                depth++;
            } else if ((c == '[' || c == '(') && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced brackets in: " + s.strip());
    }
}
