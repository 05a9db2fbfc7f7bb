package io.moeplatform.inference.model;

import java.util.List;
import java.util.Map;

/**
 * The slices one engine step computes together.
 *
 * @param slices
 *            in row order
 * @param adapters
 *            the loaded LoRA adapters the slices name, by id
 */
public record StepBatch(List<SequenceSlice> slices, Map<String, AdapterWeights> adapters) {

    public StepBatch {
        adapters = Map.copyOf(adapters);
    }

    /** A batch without LoRA adapters. */
    public StepBatch(List<SequenceSlice> slices) {
        this(slices, Map.of());
    }

    public int tokenCount() {
        int n = 0;
        for (SequenceSlice slice : slices) {
            n += slice.tokenIds().length;
        }
        return n;
    }
}
