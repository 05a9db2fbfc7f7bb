package io.moeplatform.inference.model;

/**
 * DeepSeekMoE's choice of experts for a token with router logits {@code l [E]}:
 *
 * <pre>
 * s      = softmax(l) or sigmoid(l)                  (scoring)
 * c      = s + bias                 (noaux_tc: e_score_correction_bias; otherwise c = s)
 * groups = E / n_group experts each, scored by max(c) (group_limited_greedy) or the sum of the two largest c
 *          (noaux_tc); experts outside the topk_group best groups are not chosen
 * chosen = the k largest c                  (greedy: of all experts, no groups)
 * w      = s[chosen], divided by (sum + 1e-20) when normalize, then times scalingFactor
 * </pre>
 *
 * The bias decides which experts run but never how much they weigh. (transformers' deepseek_v2 port ignores
 * norm_topk_prob, which every released V2 config sets to false; deepseek_v3 always scores by sigmoid with noaux_tc,
 * which is what every released V3 config declares.)
 *
 * @param scoring
 *            softmax (V2) or sigmoid (V3)
 * @param method
 *            greedy, group_limited_greedy or noaux_tc
 * @param groups
 *            {@code n_group}
 * @param topKGroups
 *            {@code topk_group}: groups a token may choose from
 * @param topK
 *            experts per token
 * @param normalize
 *            {@code norm_topk_prob}
 * @param scalingFactor
 *            {@code routed_scaling_factor}
 */
public record ExpertRouting(Scoring scoring, Method method, int groups, int topKGroups, int topK, boolean normalize,
        float scalingFactor) {

    /** How router logits become scores. */
    public enum Scoring {
        SOFTMAX, SIGMOID
    }

    /** How the top-k experts are picked. */
    public enum Method {
        GREEDY, GROUP_LIMITED_GREEDY, NOAUX_TC
    }
}
