package io.moeplatform.inference.model;

/** One forward pass of a decoder family over a step of slices, written against a {@link ModelBackend}. */
public interface Decoder {

    /** Runs the step: writes its tokens' KV entries and returns the logits rows the slices ask for. */
    StepResult forward(StepBatch batch);
}
