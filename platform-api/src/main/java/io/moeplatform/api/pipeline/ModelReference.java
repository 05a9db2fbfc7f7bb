package io.moeplatform.api.pipeline;

import io.moeplatform.adapters.catalog.AdapterNames;
import io.moeplatform.api.openai.error.OpenAiApiException;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * The served model and the adapter a request names. {@code model} may be a served model's id, or
 * {@code <base>:<adapter>} as vLLM and LoRAX users write it; the {@code adapter} extension field names an adapter
 * too (both may be given only when they agree). A served id that itself contains a colon wins over a split.
 *
 * @param adapter null when the request names none (the tenant's default may then apply)
 */
public record ModelReference(String model, @Nullable String adapter) {

    public static ModelReference parse(String requested, @Nullable String adapterField, Collection<String> served) {
        String model = requested;
        String adapter = null;
        if (!served.contains(requested)) {
            for (String id : served) {
                if (requested.startsWith(id + ":") && (adapter == null || id.length() > model.length())) {
                    model = id;
                    adapter = requested.substring(id.length() + 1);
                }
            }
        }
        if (adapter != null && !AdapterNames.isValid(adapter)) {
            throw OpenAiApiException.invalidParameter("model", "'" + adapter + "' after the ':' in model is not a"
                    + " valid adapter name; use '<model>:<adapter>' with the adapter's name.");
        }
        if (adapterField != null) {
            if (!AdapterNames.isValid(adapterField)) {
                throw OpenAiApiException.invalidParameter("adapter", "'" + adapterField + "' is not a valid adapter"
                        + " name (lower-case letters, digits, '.', '_' and '-').");
            }
            if (adapter != null && !adapter.equals(adapterField)) {
                throw OpenAiApiException.invalidParameter("adapter", "The model names the adapter '" + adapter
                        + "' but the adapter field names '" + adapterField + "'; name one adapter.");
            }
            adapter = adapterField;
        }
        return new ModelReference(model, adapter);
    }
}
