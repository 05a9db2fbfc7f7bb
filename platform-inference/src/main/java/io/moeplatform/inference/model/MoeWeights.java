package io.moeplatform.inference.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A sparse MoE block: {@code p = softmax(router(x))}, the top-k experts by
 * {@code p} (weights renormalized to sum 1 when {@code normalizeTopK}), output
 * {@code sum_k p_k * expert_k(x)}, plus {@code sigmoid(sharedGate(x)) *
 * shared(x)} when a shared expert exists.
 *
 * @param router
 *            {@code [experts, hidden]}
 * @param experts
 *            the routed experts
 * @param topK
 *            experts per token
 * @param normalizeTopK
 *            renormalize the chosen probabilities
 * @param sharedExpert
 *            always-on expert, or null
 * @param sharedExpertGate
 *            {@code [1, hidden]} sigmoid gate of the shared expert, or null
 */
public record MoeWeights(Tensor router, List<MlpWeights> experts, int topK, boolean normalizeTopK,
        @Nullable MlpWeights sharedExpert, @Nullable Tensor sharedExpertGate) {}
