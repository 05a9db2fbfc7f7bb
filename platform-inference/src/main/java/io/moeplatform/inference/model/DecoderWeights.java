package io.moeplatform.inference.model;

import io.moeplatform.inference.model.TensorSpec.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * All weights of an MoE decoder, as backend handles, and the list of hub
 * tensors an architecture expects for a config.
 *
 * @param embedding
 *            {@code [vocab, hidden]}
 * @param layers
 *            decoder layers
 * @param finalNorm
 *            {@code [hidden]}
 * @param lmHead
 *            {@code [vocab, hidden]} (the embedding when tied)
 */
public record DecoderWeights(Tensor embedding, List<LayerWeights> layers, Tensor finalNorm, Tensor lmHead) {

    /** The hub tensors {@code config} needs, in a stable order, with their shapes. */
    public static List<TensorSpec> specs(ModelConfig c) {
        return new ArrayList<>(specMap(c).values());
    }

    /** Loads every weight from {@code source} into {@code backend}, validating names and shapes. */
    public static DecoderWeights load(ModelConfig c, WeightSource source, ModelBackend backend) {
        Map<String, TensorSpec> specs = specMap(c);
        Loader w = name -> backend.weight(source.tensor(specs.get(name)));
        Loader optional = name -> specs.containsKey(name) ? w.get(name) : null;
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            MlpWeights mlp = null;
            MoeWeights moe = null;
            if (c.isSparse(i)) {
                List<MlpWeights> experts = new ArrayList<>();
                for (int e = 0; e < c.experts(); e++) {
                    Architecture arch = c.architecture();
                    experts.add(new MlpWeights(w.get(arch.expertWeight(i, e, "gate")),
                            w.get(arch.expertWeight(i, e, "up")), w.get(arch.expertWeight(i, e, "down"))));
                }
                MlpWeights shared = c.sharedExpertIntermediateSize() > 0 ? mlp(w, p + "mlp.shared_expert.") : null;
                moe = new MoeWeights(w.get(c.architecture().routerWeight(i)), List.copyOf(experts),
                        c.expertsPerToken(), c.normalizeTopK(), shared,
                        optional.get(p + "mlp.shared_expert_gate.weight"));
            } else {
                mlp = mlp(w, p + "mlp.");
            }
            layers.add(new LayerWeights(w.get(p + "input_layernorm.weight"), w.get(a + "q_proj.weight"),
                    w.get(a + "k_proj.weight"), w.get(a + "v_proj.weight"), w.get(a + "o_proj.weight"),
                    optional.get(a + "q_proj.bias"), optional.get(a + "k_proj.bias"), optional.get(a + "v_proj.bias"),
                    optional.get(a + "o_proj.bias"), optional.get(a + "q_norm.weight"),
                    optional.get(a + "k_norm.weight"), w.get(p + "post_attention_layernorm.weight"), mlp, moe));
        }
        Tensor embedding = w.get("model.embed_tokens.weight");
        Tensor lmHead = c.tieWordEmbeddings() ? embedding : w.get("lm_head.weight");
        return new DecoderWeights(embedding, List.copyOf(layers), w.get("model.norm.weight"), lmHead);
    }

    static MlpWeights mlp(Loader w, String prefix) {
        return new MlpWeights(w.get(prefix + "gate_proj.weight"), w.get(prefix + "up_proj.weight"),
                w.get(prefix + "down_proj.weight"));
    }

    /** A weight by hub name, as a backend handle. */
    @FunctionalInterface
    interface Loader {
        @Nullable
        Tensor get(String name);
    }

    private static Map<String, TensorSpec> specMap(ModelConfig c) {
        Map<String, TensorSpec> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long qDim = (long) c.heads() * c.headDim();
        long kvDim = (long) c.kvHeads() * c.headDim();
        put(m, "model.embed_tokens.weight", Role.EMBEDDING, c.vocabularySize(), h);
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            put(m, p + "input_layernorm.weight", Role.NORM, h);
            put(m, a + "q_proj.weight", Role.MATRIX, qDim, h);
            put(m, a + "k_proj.weight", Role.MATRIX, kvDim, h);
            put(m, a + "v_proj.weight", Role.MATRIX, kvDim, h);
            put(m, a + "o_proj.weight", Role.MATRIX, h, qDim);
            if (c.qkvBias()) {
                put(m, a + "q_proj.bias", Role.BIAS, qDim);
                put(m, a + "k_proj.bias", Role.BIAS, kvDim);
                put(m, a + "v_proj.bias", Role.BIAS, kvDim);
            }
            if (c.outputBias()) {
                put(m, a + "o_proj.bias", Role.BIAS, h);
            }
            switch (c.architecture().qkNorm()) {
                case PER_HEAD -> {
                    put(m, a + "q_norm.weight", Role.NORM, c.headDim());
                    put(m, a + "k_norm.weight", Role.NORM, c.headDim());
                }
                case FULL -> {
                    put(m, a + "q_norm.weight", Role.NORM, qDim);
                    put(m, a + "k_norm.weight", Role.NORM, kvDim);
                }
                case NONE -> {
                }
            }
            put(m, p + "post_attention_layernorm.weight", Role.NORM, h);
            if (c.isSparse(i)) {
                Architecture arch = c.architecture();
                put(m, arch.routerWeight(i), Role.MATRIX, c.experts(), h);
                long inter = c.expertIntermediateSize();
                for (int e = 0; e < c.experts(); e++) {
                    put(m, arch.expertWeight(i, e, "gate"), Role.MATRIX, inter, h);
                    put(m, arch.expertWeight(i, e, "up"), Role.MATRIX, inter, h);
                    put(m, arch.expertWeight(i, e, "down"), Role.MATRIX, h, inter);
                }
                if (c.sharedExpertIntermediateSize() > 0) {
                    mlpSpecs(m, p + "mlp.shared_expert.", h, c.sharedExpertIntermediateSize());
                    put(m, p + "mlp.shared_expert_gate.weight", Role.MATRIX, 1, h);
                }
            } else {
                mlpSpecs(m, p + "mlp.", h, c.intermediateSize());
            }
        }
        outputSpecs(m, c);
        return m;
    }

    /** The final norm and, unless tied to the embedding, lm_head. */
    static void outputSpecs(Map<String, TensorSpec> m, ModelConfig c) {
        put(m, "model.norm.weight", Role.NORM, c.hiddenSize());
        if (!c.tieWordEmbeddings()) {
            put(m, "lm_head.weight", Role.MATRIX, c.vocabularySize(), c.hiddenSize());
        }
    }

    static void mlpSpecs(Map<String, TensorSpec> m, String prefix, long hidden, long inter) {
        put(m, prefix + "gate_proj.weight", Role.MATRIX, inter, hidden);
        put(m, prefix + "up_proj.weight", Role.MATRIX, inter, hidden);
        put(m, prefix + "down_proj.weight", Role.MATRIX, hidden, inter);
    }

    static void put(Map<String, TensorSpec> m, String name, Role role, long... shape) {
        m.put(name, new TensorSpec(name, shape, role));
    }
}
