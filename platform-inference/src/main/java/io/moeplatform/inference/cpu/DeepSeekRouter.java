package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.ExpertRouting;
import java.util.Arrays;

/**
 * DeepSeekMoE's expert choice for one token (see {@link ExpertRouting} for the math), computed as transformers
 * does: fp32 scores, experts of the groups left out never chosen, ties to the lower id.
 */
final class DeepSeekRouter implements ExpertKernel.Router {

    private final ExpertRouting routing;
    private final int experts;
    private final float[] bias;
    private final float[] scores;
    private final float[] choice;
    private final float[] groupScores;

    /** @param bias {@code e_score_correction_bias [experts]}, or empty when the method has none */
    DeepSeekRouter(ExpertRouting routing, int experts, float[] bias) {
        this.routing = routing;
        this.experts = experts;
        this.bias = bias;
        this.scores = new float[experts];
        this.choice = new float[experts];
        this.groupScores = new float[Math.max(1, routing.groups())];
    }

    @Override
    public void route(float[] logits, int offset, int[] chosen, float[] weights, int at) {
        score(logits, offset);
        boolean biased = routing.method() == ExpertRouting.Method.NOAUX_TC && bias.length == experts;
        for (int e = 0; e < experts; e++) {
            choice[e] = biased ? scores[e] + bias[e] : scores[e];
        }
        if (routing.method() != ExpertRouting.Method.GREEDY) {
            keepBestGroups();
        }
        int k = routing.topK();
        float total = 0f;
        for (int j = 0; j < k; j++) {
            int best = -1;
            for (int e = 0; e < experts; e++) {
                if (!Float.isNaN(choice[e]) && (best < 0 || choice[e] > choice[best])) {
                    best = e;
                }
            }
            chosen[at + j] = best;
            weights[at + j] = scores[best];
            total += scores[best];
            choice[best] = Float.NaN;
        }
        float denominator = routing.normalize() ? total + 1e-20f : 1f;
        for (int j = 0; j < k; j++) {
            weights[at + j] = weights[at + j] / denominator * routing.scalingFactor();
        }
    }

    private void score(float[] logits, int offset) {
        if (routing.scoring() == ExpertRouting.Scoring.SIGMOID) {
            for (int e = 0; e < experts; e++) {
                scores[e] = 1f / (1f + (float) Math.exp(-logits[offset + e]));
            }
            return;
        }
        ExpertKernel.softmax(logits, offset, experts, scores);
    }

    /**
     * Scores each group (its best expert, or the sum of its two best for noaux_tc) and sets the choice score of
     * every expert outside the {@code topk_group} best groups to -infinity (transformers 5.17 masks with -inf for
     * noaux_tc and with 0 for the positive softmax scores of group_limited_greedy: neither can then be chosen, as
     * the kept groups hold at least k experts).
     */
    private void keepBestGroups() {
        int groups = routing.groups();
        int size = experts / groups;
        boolean topTwo = routing.method() == ExpertRouting.Method.NOAUX_TC;
        for (int g = 0; g < groups; g++) {
            float first = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int e = g * size; e < (g + 1) * size; e++) {
                float c = choice[e];
                if (c > first) {
                    second = first;
                    first = c;
                } else if (c > second) {
                    second = c;
                }
            }
            groupScores[g] = topTwo ? first + second : first;
        }
        boolean[] kept = new boolean[groups];
        for (int j = 0; j < routing.topKGroups(); j++) {
            int best = -1;
            for (int g = 0; g < groups; g++) {
                if (!kept[g] && (best < 0 || groupScores[g] > groupScores[best])) {
                    best = g;
                }
            }
            kept[best] = true;
        }
        for (int g = 0; g < groups; g++) {
            if (!kept[g]) {
                Arrays.fill(choice, g * size, (g + 1) * size, Float.NEGATIVE_INFINITY);
            }
        }
    }
}
