package io.moeplatform.inference.model;

/**
 * Output of one forward pass.
 *
 * @param logits
 *            one row of {@code vocabularySize} fp32 logits per slice that asked
 *            for them, in slice order
 */
public record StepResult(float[][] logits) {}
