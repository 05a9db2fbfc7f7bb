package io.moeplatform.inference.model;

/**
 * Geometry of grouped-query attention: query head {@code h} reads KV head
 * {@code h / (heads / kvHeads)}.
 *
 * @param heads
 *            query heads
 * @param kvHeads
 *            key/value heads
 * @param headDim
 *            dimensions per head
 * @param scale
 *            factor of q·k before the softmax ({@code headDim^-0.5})
 */
public record AttentionShape(int heads, int kvHeads, int headDim, float scale) {}
