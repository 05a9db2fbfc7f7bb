package io.moeplatform.inference.model;

/**
 * A SwiGLU feed-forward block: {@code down(silu(gate(x)) * up(x))}.
 *
 * @param gate
 *            {@code [intermediate, hidden]}
 * @param up
 *            {@code [intermediate, hidden]}
 * @param down
 *            {@code [hidden, intermediate]}
 */
public record MlpWeights(Tensor gate, Tensor up, Tensor down) {}
