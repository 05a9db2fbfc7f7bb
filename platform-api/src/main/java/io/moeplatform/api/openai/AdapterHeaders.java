package io.moeplatform.api.openai;

import io.moeplatform.api.pipeline.Generation;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Response headers that name the adapter a request used: {@code x-moe-adapter} (its name) and
 * {@code x-moe-injected-tokens} (prompt tokens its knowledge context added). Absent for the base model. Headers
 * work for streamed responses too, before the first event.
 */
public final class AdapterHeaders {

    public static final String ADAPTER = "x-moe-adapter";
    public static final String INJECTED_TOKENS = "x-moe-injected-tokens";

    private AdapterHeaders() {}

    public static void set(HttpServletResponse response, Generation generation) {
        if (generation.adapter() != null) {
            response.setHeader(ADAPTER, generation.adapter());
            response.setHeader(INJECTED_TOKENS, Integer.toString(generation.injectedTokens()));
        }
    }
}
