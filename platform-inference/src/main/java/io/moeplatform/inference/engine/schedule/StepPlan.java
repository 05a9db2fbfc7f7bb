package io.moeplatform.inference.engine.schedule;

import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one engine step computes: for each scheduled sequence, how many of its
 * uncomputed tokens (starting at its computed count).
 */
public final class StepPlan {

    private final Map<Sequence, Integer> tokensBySequence = new LinkedHashMap<>();
    private int budget;

    StepPlan(int budget) {
        this.budget = budget;
    }

    void add(Sequence sequence, int tokens) {
        tokensBySequence.put(sequence, tokens);
        budget -= tokens;
    }

    void remove(Sequence sequence) {
        Integer tokens = tokensBySequence.remove(sequence);
        if (tokens != null) {
            budget += tokens;
        }
    }

    boolean contains(Sequence sequence) {
        return tokensBySequence.containsKey(sequence);
    }

    int budget() {
        return budget;
    }

    public boolean isEmpty() {
        return tokensBySequence.isEmpty();
    }

    public int tokenCount() {
        int count = 0;
        for (int tokens : tokensBySequence.values()) {
            count += tokens;
        }
        return count;
    }

    /** Scheduled sequences in slice order. */
    public List<Sequence> sequences() {
        return List.copyOf(tokensBySequence.keySet());
    }

    /** Tokens scheduled for a sequence of this plan. */
    public int tokens(Sequence sequence) {
        return tokensBySequence.get(sequence);
    }

    /**
     * Whether the slice of this sequence ends at its last token, so the step
     * returns logits for it and the engine samples a new token.
     */
    public boolean samples(Sequence sequence) {
        return sequence.computed + tokens(sequence) == sequence.length();
    }

    /** The executor's view of this plan. */
    public StepBatch batch() {
        List<SequenceSlice> slices = new ArrayList<>(tokensBySequence.size());
        for (Map.Entry<Sequence, Integer> entry : tokensBySequence.entrySet()) {
            Sequence sequence = entry.getKey();
            int from = sequence.computed;
            int[] tokens = Arrays.copyOfRange(sequence.tokenArray(), from, from + entry.getValue());
            slices.add(new SequenceSlice(sequence.id(), tokens, from, sequence.blockTable(), samples(sequence),
                    sequence.group().request().loraAdapterId()));
        }
        return new StepBatch(slices);
    }
}
