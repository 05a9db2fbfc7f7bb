package io.moeplatform.api.openai.completions;

import io.moeplatform.api.openai.GenerationEventLoop;
import io.moeplatform.api.openai.SseStream;
import io.moeplatform.api.openai.UsageBody;
import io.moeplatform.api.openai.completions.CompletionBodies.Choice;
import io.moeplatform.api.openai.completions.CompletionBodies.Completion;
import io.moeplatform.api.openai.completions.CompletionBodies.Logprobs;
import io.moeplatform.api.pipeline.Generation;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.TokenLogprob;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Generation}'s events into text completion bodies: one response, or streamed chunks of the same
 * object with {@code finish_reason} on the last text chunk, an optional usage chunk with empty choices, then
 * {@code [DONE]}.
 */
final class CompletionAssembler {

    /** Text and logprobs of one choice since the last flush, plus its offset in the choice's whole text. */
    private static final class Part {
        final StringBuilder text = new StringBuilder();
        final List<TokenLogprob> logprobs = new ArrayList<>();
        int offset;

        boolean isEmpty() {
            return text.isEmpty() && logprobs.isEmpty();
        }
    }

    private final Generation generation;
    private final long created;
    private final String fingerprint;
    private final boolean withLogprobs;
    private final Part[] parts;

    CompletionAssembler(Generation generation, long created, String fingerprint, boolean withLogprobs) {
        this.generation = generation;
        this.created = created;
        this.fingerprint = fingerprint;
        this.withLogprobs = withLogprobs;
        this.parts = new Part[generation.choices()];
        for (int i = 0; i < parts.length; i++) {
            parts[i] = new Part();
        }
    }

    Completion collect() throws InterruptedException {
        var done = GenerationEventLoop.collect(generation, this::append);
        var choices = new ArrayList<Choice>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            choices.add(new Choice(parts[i].text.toString(), i, logprobs(parts[i]), done.finishReasons()[i]));
        }
        return new Completion(generation.requestId(), "text_completion", created, generation.model(), fingerprint,
                List.copyOf(choices), UsageBody.of(done.completed().usage(), generation));
    }

    /** Streams text chunks through {@link GenerationEventLoop#stream}, one token held back per choice. */
    void stream(SseStream sse, boolean includeUsage) throws InterruptedException {
        GenerationEventLoop.stream(generation, sse, new GenerationEventLoop.Listener() {
            @Override
            public void token(GenerationEvent.Token token) throws IOException {
                if (!parts[token.choice()].isEmpty() && (!token.text().isEmpty() || token.logprob() != null)) {
                    flush(sse, token.choice(), null);
                }
                append(token);
            }

            @Override
            public void choiceFinished(GenerationEvent.ChoiceFinished finished) throws IOException {
                flush(sse, finished.choice(), finished.reason().openAiName());
            }

            @Override
            public void completed(GenerationEvent.Completed done) throws IOException {
                if (includeUsage) {
                    sse.send(new Completion(generation.requestId(), "text_completion", created, generation.model(),
                            fingerprint, List.of(), UsageBody.of(done.usage(), generation)));
                }
            }
        });
    }

    private void append(GenerationEvent.Token token) {
        Part part = parts[token.choice()];
        part.text.append(token.text());
        if (token.logprob() != null) {
            part.logprobs.add(token.logprob());
        }
    }

    private void flush(SseStream sse, int choice, @Nullable String finishReason) throws IOException {
        Part part = parts[choice];
        if (part.isEmpty() && finishReason == null) {
            return;
        }
        sse.send(new Completion(generation.requestId(), "text_completion", created, generation.model(),
                fingerprint, List.of(new Choice(part.text.toString(), choice, logprobs(part), finishReason)), null));
        part.offset += part.text.length();
        part.text.setLength(0);
        part.logprobs.clear();
    }

    private @Nullable Logprobs logprobs(Part part) {
        if (!withLogprobs) {
            return null;
        }
        var tokens = new ArrayList<String>();
        var values = new ArrayList<Float>();
        var top = new ArrayList<Map<String, Float>>();
        var offsets = new ArrayList<Integer>();
        int offset = part.offset;
        for (TokenLogprob logprob : part.logprobs) {
            tokens.add(logprob.token());
            values.add(logprob.logprob());
            var alternatives = new LinkedHashMap<String, Float>();
            logprob.top().forEach(alternative -> alternatives.putIfAbsent(alternative.token(), alternative.logprob()));
            top.add(alternatives);
            offsets.add(offset);
            offset += logprob.token().length();
        }
        return new Logprobs(tokens, values, top, offsets);
    }
}
