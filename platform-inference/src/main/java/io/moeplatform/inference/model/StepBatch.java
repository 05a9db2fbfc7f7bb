package io.moeplatform.inference.model;

import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The slices one engine step computes together, the LoRA adapters they name, and which of their output rows only
 * need the greedy token.
 *
 * <p>
 * Output rows are the slices that ask for logits ({@link SequenceSlice#needsLogits()}), in slice order. For a row in
 * {@code greedyRows} the caller only wants {@code argmax} of the logits over token ids {@code 0 .. greedyVocabulary-1}
 * (ties to the lowest id; ids beyond it are padding rows of the embedding that no token maps to). An executor may
 * then answer with the token id instead of the logits row, e.g. the CUDA executor picks it on the device and copies
 * back 4 bytes instead of a whole vocabulary; an executor that does not may return the logits as for any other row.
 *
 * @param slices
 *            in row order
 * @param greedyRows
 *            output rows that only need the greedy token; empty when every row wants logits
 * @param greedyVocabulary
 *            token ids the greedy choice ranges over; at most the model's vocabulary size, ignored when
 *            {@code greedyRows} is empty
 * @param adapters
 *            the loaded LoRA adapters the slices name, by id
 */
public record StepBatch(List<SequenceSlice> slices, BitSet greedyRows, int greedyVocabulary,
        Map<String, AdapterWeights> adapters) {

    public StepBatch {
        slices = List.copyOf(slices);
        greedyRows = (BitSet) greedyRows.clone();
        adapters = Map.copyOf(adapters);
        if (!greedyRows.isEmpty() && greedyVocabulary < 1) {
            throw new IllegalArgumentException("greedy rows need a greedy vocabulary of at least 1 token, got "
                    + greedyVocabulary);
        }
    }

    /** A step without LoRA adapters whose output rows all want logits. */
    public StepBatch(List<SequenceSlice> slices) {
        this(slices, new BitSet(), 0, Map.of());
    }

    /** A step without LoRA adapters. */
    public StepBatch(List<SequenceSlice> slices, BitSet greedyRows, int greedyVocabulary) {
        this(slices, greedyRows, greedyVocabulary, Map.of());
    }

    /** A step whose output rows all want logits. */
    public StepBatch(List<SequenceSlice> slices, Map<String, AdapterWeights> adapters) {
        this(slices, new BitSet(), 0, adapters);
    }

    public int tokenCount() {
        int n = 0;
        for (SequenceSlice slice : slices) {
            n += slice.tokenIds().length;
        }
        return n;
    }

    /** Slices that ask for an output row. */
    public int outputRows() {
        int n = 0;
        for (SequenceSlice slice : slices) {
            n += slice.needsLogits() ? 1 : 0;
        }
        return n;
    }

    /** Whether output row {@code row} only needs its greedy token. */
    public boolean greedyOnly(int row) {
        return greedyRows.get(row);
    }

    @Override
    public BitSet greedyRows() {
        return (BitSet) greedyRows.clone();
    }
}
