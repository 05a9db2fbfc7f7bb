package io.moeplatform.inference;

import org.jspecify.annotations.Nullable;

/** What a {@link GenerationHandle} emits. */
public sealed interface GenerationEvent {

    /**
     * One generated token of choice {@code choice}.
     *
     * @param text
     *            the text this token completes; empty while a multi-byte character
     *            or a possible stop string is held back, so concatenating all
     *            deltas gives exactly the final text
     * @param logprob
     *            the token's log-probability and alternatives, when the request
     *            asked for them
     */
    record Token(int choice, int tokenId, String text, @Nullable TokenLogprob logprob) implements GenerationEvent {}

    /**
     * Choice {@code choice} is done; {@code completionTokens} counts its generated
     * tokens.
     */
    record ChoiceFinished(int choice, FinishReason reason, int completionTokens) implements GenerationEvent {}

    /** The last event of a request. */
    record Completed(Usage usage, Timings timings) implements GenerationEvent {}
}
