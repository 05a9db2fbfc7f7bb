package io.moeplatform.api.openai.chat;

import io.moeplatform.api.openai.GenerationEventLoop;
import io.moeplatform.api.openai.SseStream;
import io.moeplatform.api.openai.UsageBody;
import io.moeplatform.api.openai.chat.ChatCompletionBodies.Chunk;
import io.moeplatform.api.openai.chat.ChatCompletionBodies.ChunkChoice;
import io.moeplatform.api.openai.chat.ChatCompletionBodies.Delta;
import io.moeplatform.api.openai.chat.ChatCompletionBodies.Logprobs;
import io.moeplatform.api.openai.chat.ChatCompletionBodies.TokenEntry;
import io.moeplatform.api.pipeline.Generation;
import io.moeplatform.inference.GenerationEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Generation}'s events into chat completion bodies: one response, or the chunk sequence OpenAI
 * streams (role first, content deltas, {@code finish_reason} on the last content chunk, optional usage chunk
 * with empty choices, then {@code [DONE]}).
 */
final class ChatChunkAssembler {

    private final Generation generation;
    private final long created;
    private final String fingerprint;
    private final boolean withLogprobs;

    /** Per choice: text and logprobs not yet sent, held back one token so the last one can carry finish_reason. */
    private final StringBuilder[] pendingText;
    private final List<List<TokenEntry>> pendingLogprobs = new ArrayList<>();

    ChatChunkAssembler(Generation generation, long created, String fingerprint, boolean withLogprobs) {
        this.generation = generation;
        this.created = created;
        this.fingerprint = fingerprint;
        this.withLogprobs = withLogprobs;
        this.pendingText = new StringBuilder[generation.choices()];
        for (int i = 0; i < pendingText.length; i++) {
            pendingText[i] = new StringBuilder();
            pendingLogprobs.add(new ArrayList<>());
        }
    }

    ChatCompletionBodies.Completion collect() throws InterruptedException {
        int choices = generation.choices();
        var text = new StringBuilder[choices];
        var logprobs = new ArrayList<List<TokenEntry>>();
        for (int i = 0; i < choices; i++) {
            text[i] = new StringBuilder();
            logprobs.add(new ArrayList<>());
        }
        var done = GenerationEventLoop.collect(generation, token -> {
            text[token.choice()].append(token.text());
            if (token.logprob() != null) {
                logprobs.get(token.choice()).add(TokenEntry.of(token.logprob()));
            }
        });
        var bodies = new ArrayList<ChatCompletionBodies.Choice>(choices);
        for (int i = 0; i < choices; i++) {
            bodies.add(new ChatCompletionBodies.Choice(i,
                    new ChatCompletionBodies.Message("assistant", text[i].toString()),
                    withLogprobs ? new Logprobs(List.copyOf(logprobs.get(i))) : null, done.finishReasons()[i]));
        }
        return new ChatCompletionBodies.Completion(generation.requestId(), "chat.completion", created,
                generation.model(), fingerprint, List.copyOf(bodies),
                UsageBody.of(done.completed().usage(), generation));
    }

    /** Streams the chunks through {@link GenerationEventLoop#stream}: role first, then the held-back deltas. */
    void stream(SseStream sse, boolean includeUsage) throws InterruptedException {
        GenerationEventLoop.stream(generation, sse, new GenerationEventLoop.Listener() {
            @Override
            public void start() throws IOException {
                for (int i = 0; i < generation.choices(); i++) {
                    sse.send(chunk(i, new Delta("assistant", ""), null, null));
                }
            }

            @Override
            public void token(GenerationEvent.Token token) throws IOException {
                onToken(sse, token);
            }

            @Override
            public void choiceFinished(GenerationEvent.ChoiceFinished finished) throws IOException {
                flush(sse, finished.choice(), finished.reason().openAiName());
            }

            @Override
            public void completed(GenerationEvent.Completed done) throws IOException {
                if (includeUsage) {
                    sse.send(new Chunk(generation.requestId(), "chat.completion.chunk", created, generation.model(),
                            fingerprint, List.of(), UsageBody.of(done.usage(), generation)));
                }
            }
        });
    }

    private void onToken(SseStream sse, GenerationEvent.Token token) throws IOException {
        int choice = token.choice();
        boolean hasPending = !pendingText[choice].isEmpty() || !pendingLogprobs.get(choice).isEmpty();
        boolean carriesSomething = !token.text().isEmpty() || token.logprob() != null;
        if (hasPending && carriesSomething) {
            flush(sse, choice, null);
        }
        pendingText[choice].append(token.text());
        if (token.logprob() != null) {
            pendingLogprobs.get(choice).add(TokenEntry.of(token.logprob()));
        }
    }

    /** Sends what is held back for a choice; with a finish reason even when nothing is held back. */
    private void flush(SseStream sse, int choice, @Nullable String finishReason) throws IOException {
        boolean hasPending = !pendingText[choice].isEmpty() || !pendingLogprobs.get(choice).isEmpty();
        if (!hasPending && finishReason == null) {
            return;
        }
        var delta = hasPending ? new Delta(null, pendingText[choice].toString()) : new Delta(null, null);
        var logprobs = withLogprobs && hasPending ? new Logprobs(List.copyOf(pendingLogprobs.get(choice))) : null;
        sse.send(chunk(choice, delta, logprobs, finishReason));
        pendingText[choice].setLength(0);
        pendingLogprobs.get(choice).clear();
    }

    private Chunk chunk(int choice, Delta delta, @Nullable Logprobs logprobs, @Nullable String finishReason) {
        return new Chunk(generation.requestId(), "chat.completion.chunk", created, generation.model(), fingerprint,
                List.of(new ChunkChoice(choice, delta, logprobs, finishReason)), null);
    }
}
