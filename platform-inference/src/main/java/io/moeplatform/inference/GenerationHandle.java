package io.moeplatform.inference;

import java.util.concurrent.Flow;

/** One request in flight. */
public interface GenerationHandle {

    /** The request id this handle belongs to. */
    String requestId();

    /**
     * Events of the request: {@link GenerationEvent.Token}s and one
     * {@link GenerationEvent.ChoiceFinished} per choice, then exactly one
     * {@link GenerationEvent.Completed}. A request that fails after admission
     * (queue timeout, engine failure) ends with {@code onError} carrying an
     * {@link InferenceException}. Single subscriber.
     */
    Flow.Publisher<GenerationEvent> events();

    /**
     * Stops generation; KV blocks are freed at the next engine step. Idempotent.
     */
    void cancel();
}
