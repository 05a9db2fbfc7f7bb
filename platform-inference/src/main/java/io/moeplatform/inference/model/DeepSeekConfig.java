package io.moeplatform.inference.model;

/**
 * What deepseek_v2 / deepseek_v3 configs add to {@link ModelConfig}.
 *
 * @param qLoraRank
 *            rank of the query compression ({@code q_a_proj}, {@code q_a_layernorm}, {@code q_b_proj}), or 0 for
 *            a direct {@code q_proj}
 * @param attention
 *            multi-head latent attention geometry
 * @param routing
 *            DeepSeekMoE expert choice
 * @param sharedExperts
 *            {@code n_shared_experts}: always-on experts, run as one SwiGLU of {@code sharedExperts *
 *            moe_intermediate_size}
 */
public record DeepSeekConfig(int qLoraRank, LatentAttentionShape attention, ExpertRouting routing,
        int sharedExperts) {}
