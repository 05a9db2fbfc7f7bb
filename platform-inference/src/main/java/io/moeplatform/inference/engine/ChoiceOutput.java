package io.moeplatform.inference.engine;

import io.moeplatform.inference.FinishReason;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.sampling.Sampler;
import io.moeplatform.inference.text.IncrementalDetokenizer;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The output side of one choice: its sampler and penalty history, its text
 * stream through the model's detokenizer and the stop strings, and why it
 * ended.
 */
final class ChoiceOutput {

    /** Text of one accepted token and whether the choice ends with it. */
    record Step(String text, @Nullable FinishReason finish) {}

    private final Sampler sampler;
    private final TokenCounts history;
    private final IncrementalDetokenizer detokenizer;
    private final StopStringMatcher stopStrings;
    private final Set<Integer> stopTokenIds;
    private int generated;
    private @Nullable FinishReason finish;
    long lastTokenNanos = -1;

    ChoiceOutput(Sampler sampler, TokenCounts history, IncrementalDetokenizer detokenizer, StopConditions stop,
            Set<Integer> eosTokenIds) {
        this.sampler = sampler;
        this.history = history;
        this.detokenizer = detokenizer;
        this.stopStrings = new StopStringMatcher(List.copyOf(stop.stopStrings()));
        this.stopTokenIds = stop.ignoreEos()
                ? Set.copyOf(stop.stopTokenIds())
                : union(stop.stopTokenIds(), eosTokenIds);
    }

    private static Set<Integer> union(Set<Integer> a, Set<Integer> b) {
        java.util.HashSet<Integer> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    Sampler sampler() {
        return sampler;
    }

    TokenCounts history() {
        return history;
    }

    int generated() {
        return generated;
    }

    @Nullable
    FinishReason finish() {
        return finish;
    }

    boolean finished() {
        return finish != null;
    }

    /**
     * Takes a generated token. {@code atLimit} says the choice reached
     * {@code max_tokens} or the context length with it. A stop token's own text is
     * not part of the output; a stop string cuts the text before it.
     */
    Step accept(int tokenId, boolean atLimit) {
        generated++;
        history.add(tokenId);
        if (stopTokenIds.contains(tokenId)) {
            return end(stopStrings.push(detokenizer.flush()) + stopStrings.flush(), FinishReason.STOP);
        }
        String text = stopStrings.push(detokenizer.push(tokenId));
        if (stopStrings.stopped()) {
            return end(text, FinishReason.STOP);
        }
        if (atLimit) {
            text += stopStrings.push(detokenizer.flush());
            return stopStrings.stopped()
                    ? end(text, FinishReason.STOP)
                    : end(text + stopStrings.flush(), FinishReason.LENGTH);
        }
        return new Step(text, null);
    }

    /** Ends the choice without a token (cancellation). */
    void cancel() {
        if (finish == null) {
            finish = FinishReason.CANCELLED;
        }
    }

    private Step end(String text, FinishReason reason) {
        finish = reason;
        return new Step(text, reason);
    }
}
