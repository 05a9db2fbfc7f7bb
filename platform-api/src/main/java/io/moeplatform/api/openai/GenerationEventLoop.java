package io.moeplatform.api.openai;

import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiError;
import io.moeplatform.api.pipeline.Generation;
import io.moeplatform.inference.GenerationEvent;
import io.moeplatform.inference.InferenceException;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop both OpenAI endpoints share: a {@link Generation} read to its end ({@link #collect}), or its events
 * handed to an endpoint's {@link Listener} as server-sent events ({@link #stream}), where the failure rules are the
 * same for chat and text completions.
 */
public final class GenerationEventLoop {

    private static final Logger log = LoggerFactory.getLogger(GenerationEventLoop.class);

    /** What an endpoint does with each kind of event; a streaming listener writes to the stream. */
    public interface Listener {

        /** Before the first event (chat sends its role chunks here). */
        default void start() throws IOException {}

        void token(GenerationEvent.Token token) throws IOException;

        void choiceFinished(GenerationEvent.ChoiceFinished finished) throws IOException;

        void completed(GenerationEvent.Completed completed) throws IOException;
    }

    private GenerationEventLoop() {}

    /** What a collected generation ended with: each choice's OpenAI finish reason and the final usage event. */
    public record Collected(String[] finishReasons, GenerationEvent.Completed completed) {}

    /** Reads the generation to its end, handing each token to {@code onToken}. */
    public static Collected collect(Generation generation, Consumer<GenerationEvent.Token> onToken)
            throws InterruptedException {
        var finish = new String[generation.choices()];
        GenerationEvent.Completed completed = null;
        GenerationEvent event;
        while ((event = generation.next()) != null) {
            switch (event) {
                case GenerationEvent.Token token -> onToken.accept(token);
                case GenerationEvent.ChoiceFinished finished -> finish[finished.choice()] = finished.reason()
                        .openAiName();
                case GenerationEvent.Completed done -> completed = done;
            }
        }
        if (completed == null) {
            throw new IllegalStateException("generation " + generation.requestId() + " ended without its usage");
        }
        return new Collected(finish, completed);
    }

    /**
     * Streams the events, then {@code [DONE]}. A failed write means the client went away: the generation is
     * cancelled (the caller's close then bills what was generated). An engine failure after the first byte is sent
     * as an OpenAI error event and ends the stream without {@code [DONE]}.
     */
    public static void stream(Generation generation, SseStream sse, Listener listener) throws InterruptedException {
        try {
            listener.start();
            while (true) {
                GenerationEvent event;
                try {
                    event = generation.next();
                } catch (InferenceException failed) {
                    log.warn("Request {} failed while streaming: {}", generation.requestId(), failed.getMessage());
                    sse.send(OpenAiError.of("The server had an error while generating (request "
                            + generation.requestId() + ")", ErrorTypes.SERVER, null, "internal_error"));
                    return;
                }
                if (event == null) {
                    break;
                }
                dispatch(event, listener);
            }
            sse.done();
        } catch (IOException clientGone) {
            generation.cancel();
        }
    }

    private static void dispatch(GenerationEvent event, Listener listener) throws IOException {
        switch (event) {
            case GenerationEvent.Token token -> listener.token(token);
            case GenerationEvent.ChoiceFinished finished -> listener.choiceFinished(finished);
            case GenerationEvent.Completed done -> listener.completed(done);
        }
    }
}
