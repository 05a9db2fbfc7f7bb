package io.moeplatform.api.pipeline;

import io.moeplatform.adapters.catalog.AdapterView;
import io.moeplatform.adapters.resolve.AdapterResolver;
import io.moeplatform.adapters.resolve.ResolvedAdapter;
import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.PromptCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * The prompt after the request's adapter acted on it: a knowledge-graph adapter's context injected (into the chat
 * messages, or before each text or token-id prompt, linked over that prompt), or unchanged for LoRA and no
 * adapter.
 *
 * @param adapter the resolved adapter of the last prompt (name, kind, LoRA id), null for the base model
 * @param injectedTokens tokens of the injected text over all prompts
 */
record AdaptedPrompt(PromptInput prompt, @Nullable ResolvedAdapter adapter, int injectedTokens) {

    static AdaptedPrompt of(PromptInput prompt, AdapterResolver resolver, UUID tenantId, String model,
            @Nullable String requested, PromptCodec codec) {
        Optional<AdapterView> selected = resolver.select(tenantId, model, requested);
        if (selected.isEmpty()) {
            return new AdaptedPrompt(prompt, null, 0);
        }
        AdapterView adapter = selected.get();
        return switch (prompt) {
            case PromptInput.Chat chat -> {
                List<String> userTexts = chat.messages().stream().filter(m -> m.role().equals("user"))
                        .map(ChatMessage::content).toList();
                ResolvedAdapter resolved = resolver.resolve(adapter, model, userTexts, codec);
                yield new AdaptedPrompt(new PromptInput.Chat(resolved.applyTo(chat.messages())), resolved,
                        resolved.injectedTokens());
            }
            case PromptInput.Texts texts -> {
                var adapted = new ArrayList<String>(texts.prompts().size());
                ResolvedAdapter resolved = null;
                int injected = 0;
                for (String text : texts.prompts()) {
                    resolved = resolver.resolve(adapter, model, List.of(text), codec);
                    adapted.add(resolved.applyTo(text));
                    injected += resolved.injectedTokens();
                }
                yield new AdaptedPrompt(new PromptInput.Texts(adapted), resolved, injected);
            }
            case PromptInput.TokenIds ids -> {
                var adapted = new ArrayList<int[]>(ids.prompts().size());
                ResolvedAdapter resolved = null;
                int injected = 0;
                for (int[] tokens : ids.prompts()) {
                    resolved = resolver.resolve(adapter, model, List.of(codec.decode(tokens)), codec);
                    int[] prefix = resolved.injectedTokens() == 0 ? new int[0] : codec.encode(resolved.applyTo(""));
                    int[] joined = new int[prefix.length + tokens.length];
                    System.arraycopy(prefix, 0, joined, 0, prefix.length);
                    System.arraycopy(tokens, 0, joined, prefix.length, tokens.length);
                    adapted.add(joined);
                    injected += prefix.length;
                }
                yield new AdaptedPrompt(new PromptInput.TokenIds(adapted), resolved, injected);
            }
        };
    }
}
