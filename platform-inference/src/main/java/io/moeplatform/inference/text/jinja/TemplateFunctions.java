package io.moeplatform.inference.text.jinja;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Functions transformers gives chat templates, plus the target of
 * {@link PythonSyntax}. Static because Jinjava binds functions to static
 * methods.
 */
public final class TemplateFunctions {

    private TemplateFunctions() {}

    /** transformers' {@code raise_exception(message)}: aborts rendering. */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /** transformers' {@code strftime_now(format)}: the local time, Python strftime format. */
    public static String strftimeNow(String format) {
        return Strftime.format(ZonedDateTime.now(), format);
    }

    /**
     * Python's {@code sequence[start:stop:step]} for lists and strings, with
     * negative indices and steps; null parts take Python's defaults.
     */
    public static Object slice(@Nullable Object sequence, @Nullable Object start, @Nullable Object stop,
            @Nullable Object step) {
        int stepValue = step == null ? 1 : ((Number) step).intValue();
        if (stepValue == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        List<?> items;
        if (sequence instanceof CharSequence text) {
            items = text.codePoints().mapToObj(Character::toString).toList();
        } else if (sequence instanceof List<?> list) {
            items = list;
        } else if (sequence instanceof Iterable<?> iterable) {
            var copy = new ArrayList<Object>();
            iterable.forEach(copy::add);
            items = copy;
        } else {
            throw new IllegalArgumentException("cannot slice " + (sequence == null ? "none" : sequence.getClass()));
        }
        int n = items.size();
        int from;
        int to;
        if (stepValue > 0) {
            from = clamp(start, 0, n, 0, n);
            to = clamp(stop, n, n, 0, n);
        } else {
            from = clamp(start, n - 1, n, -1, n - 1);
            to = clamp(stop, -1, n, -1, n - 1);
        }
        var result = new ArrayList<Object>();
        for (int i = from; stepValue > 0 ? i < to : i > to; i += stepValue) {
            result.add(items.get(i));
        }
        if (sequence instanceof CharSequence) {
            return String.join("", result.stream().map(String::valueOf).toList());
        }
        return result;
    }

    private static int clamp(@Nullable Object index, int missing, int n, int lowest, int highest) {
        if (index == null) {
            return missing;
        }
        int i = ((Number) index).intValue();
        if (i < 0) {
            i += n;
        }
        return Math.max(lowest, Math.min(highest, i));
    }
}
