package io.moeplatform.inference.model;

import java.util.List;

/** The slices one engine step computes together. */
public record StepBatch(List<SequenceSlice> slices) {
    public int tokenCount() {
        int n = 0;
        for (SequenceSlice slice : slices) {
            n += slice.tokenIds().length;
        }
        return n;
    }
}
