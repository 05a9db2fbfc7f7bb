package io.moeplatform.inference.model;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/** Reads deepseek_v2 / deepseek_v3 config.json files (transformers 4.x and 5.x spellings) into a {@link ModelConfig}. */
final class DeepSeekConfigs {

    private DeepSeekConfigs() {}

    static ModelConfig parse(JsonNode c, Architecture arch) {
        boolean v3 = arch == Architecture.DEEPSEEK_V3;
        int hidden = ModelConfig.integer(c, "hidden_size", null);
        int heads = ModelConfig.integer(c, "num_attention_heads", null);
        int layers = ModelConfig.integer(c, "num_hidden_layers", null);
        int qLora = ModelConfig.integer(c, "q_lora_rank", 0);
        int kvLora = ModelConfig.integer(c, "kv_lora_rank", null);
        int nope = ModelConfig.integer(c, "qk_nope_head_dim", null);
        int ropeDim = ModelConfig.integer(c, "qk_rope_head_dim", null);
        int vDim = ModelConfig.integer(c, "v_head_dim", null);
        int experts = ModelConfig.integer(c, "n_routed_experts", null);
        int topK = ModelConfig.integer(c, "num_experts_per_tok", null);
        int expertInter = ModelConfig.integer(c, "moe_intermediate_size", null);
        int shared = ModelConfig.integer(c, "n_shared_experts", 0);
        int firstDense = ModelConfig.integer(c, "first_k_dense_replace", 0);
        int layerFreq = ModelConfig.integer(c, "moe_layer_freq", 1);
        int groups = ModelConfig.integer(c, "n_group", 1);
        int topKGroups = ModelConfig.integer(c, "topk_group", 1);
        if (c.path("attention_bias").asBoolean(false)) {
            throw new IllegalArgumentException("attention_bias=true is not supported for " + arch.modelType());
        }
        String act = ModelConfig.text(c, "hidden_act");
        if (act != null && !act.equals("silu")) {
            throw new IllegalArgumentException("hidden_act '" + act + "' is not supported; only silu");
        }
        if (kvLora <= 0 || nope <= 0 || vDim <= 0 || ropeDim <= 0 || ropeDim % 2 != 0 || qLora < 0) {
            throw new IllegalArgumentException("kv_lora_rank (" + kvLora + "), qk_nope_head_dim (" + nope
                    + ") and v_head_dim (" + vDim + ") must be positive, qk_rope_head_dim (" + ropeDim
                    + ") positive and even, q_lora_rank null or positive");
        }
        if (experts <= 0 || topK <= 0 || topK > experts) {
            throw new IllegalArgumentException("num_experts_per_tok is " + topK + "; it must be between 1 and the "
                    + experts + " n_routed_experts");
        }
        if (layerFreq <= 0) {
            throw new IllegalArgumentException("moe_layer_freq must be positive, found " + layerFreq);
        }
        ExpertRouting.Scoring scoring = switch (textOr(c, "scoring_func", v3 ? "sigmoid" : "softmax")) {
            case "softmax" -> ExpertRouting.Scoring.SOFTMAX;
            case "sigmoid" -> ExpertRouting.Scoring.SIGMOID;
            default -> throw new IllegalArgumentException("scoring_func '" + ModelConfig.text(c, "scoring_func")
                    + "' is not supported; supported: softmax, sigmoid");
        };
        String methodName = textOr(c, "topk_method", v3 ? "noaux_tc" : "greedy");
        ExpertRouting.Method method = switch (methodName) {
            case "greedy", "group_limited_greedy", "noaux_tc" ->
                ExpertRouting.Method.valueOf(methodName.toUpperCase(Locale.ROOT));
            default -> throw new IllegalArgumentException("topk_method '" + methodName
                    + "' is not supported; supported: greedy, group_limited_greedy, noaux_tc");
        };
        if (method != ExpertRouting.Method.GREEDY) {
            if (groups <= 0 || experts % groups != 0 || topKGroups <= 0 || topKGroups > groups
                    || topK > topKGroups * (experts / groups)) {
                throw new IllegalArgumentException("n_group (" + groups + ") must divide the " + experts
                        + " n_routed_experts, topk_group (" + topKGroups + ") be between 1 and n_group, and the "
                        + "chosen groups hold at least num_experts_per_tok (" + topK + ") experts");
            }
            if (method == ExpertRouting.Method.NOAUX_TC && experts / groups < 2) {
                throw new IllegalArgumentException("noaux_tc scores a group by its two best experts; n_group ("
                        + groups + ") leaves fewer than two per group");
            }
        }
        Set<Integer> dense = new HashSet<>();
        for (int i = 0; i < layers; i++) {
            // DeepSeek: experts iff layer >= first_k_dense_replace and layer % moe_layer_freq == 0
            if (i < firstDense || i % layerFreq != 0) {
                dense.add(i);
            }
        }
        RopeScaling rope = ModelConfig.rope(c, arch);
        double scale = 1.0 / Math.sqrt(nope + ropeDim);
        if (rope.type().equals("yarn") && rope.mscaleAllDim() != null && rope.mscaleAllDim() != 0) {
            // YaRN's attention temperature applied to the softmax: mscale(factor, mscale_all_dim)^2
            double m = rope.factor() <= 1 ? 1.0 : 0.1 * rope.mscaleAllDim() * Math.log(rope.factor()) + 1.0;
            scale *= m * m;
        }
        boolean interleaved = !v3 || c.path("rope_interleave").asBoolean(true);
        LatentAttentionShape attention = new LatentAttentionShape(heads, kvLora, nope, ropeDim, vDim, (float) scale,
                interleaved);
        ExpertRouting routing = new ExpertRouting(scoring, method, groups, topKGroups, topK,
                c.path("norm_topk_prob").asBoolean(false), (float) c.path("routed_scaling_factor").asDouble(1.0));
        String dtype = c.hasNonNull("dtype") ? ModelConfig.text(c, "dtype") : ModelConfig.text(c, "torch_dtype");
        return new ModelConfig(arch, ModelConfig.integer(c, "vocab_size", null), hidden, layers, heads, heads,
                nope + ropeDim, ModelConfig.integer(c, "intermediate_size", null), expertInter, shared * expertInter,
                experts, topK, routing.normalize(), Set.copyOf(dense), c.path("rms_norm_eps").asDouble(1e-6),
                ModelConfig.integer(c, "max_position_embeddings", null), c.path("tie_word_embeddings").asBoolean(false),
                false, false, rope, dtype, c.get("eos_token_id"),
                new DeepSeekConfig(qLora, attention, routing, shared));
    }

    private static String textOr(JsonNode c, String field, String fallback) {
        String v = ModelConfig.text(c, field);
        return v == null ? fallback : v;
    }
}
