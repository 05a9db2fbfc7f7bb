package io.moeplatform.inference.text.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * transformers' {@code tojson} filter ({@code json.dumps} with
 * {@code ensure_ascii=False}), replacing Jinjava's compact Jackson output.
 * Supports the {@code indent} argument, positional or named.
 */
public final class TojsonFilter implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(@Nullable Object value, JinjavaInterpreter interpreter, String... args) {
        return PythonJson.dumps(value, args.length > 0 ? Integer.valueOf(args[0]) : null);
    }

    @Override
    public Object filter(@Nullable Object value, JinjavaInterpreter interpreter, Object[] args,
            Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        return PythonJson.dumps(value, indent == null ? null : ((Number) indent).intValue());
    }
}
