package io.moeplatform.inference.model;

import static io.moeplatform.inference.model.DecoderWeights.mlp;
import static io.moeplatform.inference.model.DecoderWeights.mlpSpecs;
import static io.moeplatform.inference.model.DecoderWeights.outputSpecs;
import static io.moeplatform.inference.model.DecoderWeights.put;

import io.moeplatform.inference.model.TensorSpec.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * All weights of a DeepSeek-V2/V3 decoder as backend handles, and the hub tensors such a checkpoint holds.
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
public record DeepSeekWeights(Tensor embedding, List<Layer> layers, Tensor finalNorm, Tensor lmHead) {

    /**
     * One decoder layer. Exactly one of {@code qProj} and ({@code qA}, {@code qANorm}, {@code qB}) is set; exactly
     * one of {@code mlp} and {@code moe}.
     *
     * @param qProj
     *            {@code [heads * qkHeadDim, hidden]} without q_lora
     * @param qA
     *            {@code q_a_proj [qLoraRank, hidden]}
     * @param qANorm
     *            {@code q_a_layernorm [qLoraRank]}
     * @param qB
     *            {@code q_b_proj [heads * qkHeadDim, qLoraRank]}
     * @param kvA
     *            {@code kv_a_proj_with_mqa [kvLoraRank + ropeDim, hidden]}
     * @param kvANorm
     *            {@code kv_a_layernorm [kvLoraRank]}
     * @param kvB
     *            {@code kv_b_proj [heads * (nopeDim + vDim), kvLoraRank]}
     * @param o
     *            {@code o_proj [hidden, heads * vDim]}
     * @param sharedExperts
     *            the shared experts as one SwiGLU, or null
     * @param correctionBias
     *            {@code e_score_correction_bias [experts]} (noaux_tc), or null
     */
    public record Layer(Tensor inputNorm, @Nullable Tensor qProj, @Nullable Tensor qA, @Nullable Tensor qANorm,
            @Nullable Tensor qB, Tensor kvA, Tensor kvANorm, Tensor kvB, Tensor o, Tensor postAttentionNorm,
            @Nullable MlpWeights mlp, @Nullable MoeWeights moe, @Nullable MlpWeights sharedExperts,
            @Nullable Tensor correctionBias) {}

    /** The hub tensors {@code c} needs, in a stable order, with their shapes. */
    public static List<TensorSpec> specs(ModelConfig c) {
        return new ArrayList<>(specMap(c).values());
    }

    /** Loads every weight from {@code source} into {@code backend}, validating names and shapes. */
    public static DeepSeekWeights load(ModelConfig c, WeightSource source, ModelBackend backend) {
        Map<String, TensorSpec> specs = specMap(c);
        DecoderWeights.Loader w = name -> backend.weight(source.tensor(specs.get(name)));
        DecoderWeights.Loader optional = name -> specs.containsKey(name) ? w.get(name) : null;
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            MlpWeights mlp = null;
            MoeWeights moe = null;
            MlpWeights shared = null;
            if (c.isSparse(i)) {
                List<MlpWeights> experts = new ArrayList<>();
                for (int e = 0; e < c.experts(); e++) {
                    experts.add(mlp(w, p + "mlp.experts." + e + "."));
                }
                moe = new MoeWeights(w.get(p + "mlp.gate.weight"), List.copyOf(experts), c.expertsPerToken(),
                        c.normalizeTopK(), null, null);
                shared = c.sharedExpertIntermediateSize() > 0 ? mlp(w, p + "mlp.shared_experts.") : null;
            } else {
                mlp = mlp(w, p + "mlp.");
            }
            layers.add(new Layer(w.get(p + "input_layernorm.weight"), optional.get(a + "q_proj.weight"),
                    optional.get(a + "q_a_proj.weight"), optional.get(a + "q_a_layernorm.weight"),
                    optional.get(a + "q_b_proj.weight"), w.get(a + "kv_a_proj_with_mqa.weight"),
                    w.get(a + "kv_a_layernorm.weight"), w.get(a + "kv_b_proj.weight"), w.get(a + "o_proj.weight"),
                    w.get(p + "post_attention_layernorm.weight"), mlp, moe, shared,
                    optional.get(p + "mlp.gate.e_score_correction_bias")));
        }
        Tensor embedding = w.get("model.embed_tokens.weight");
        Tensor lmHead = c.tieWordEmbeddings() ? embedding : w.get("lm_head.weight");
        return new DeepSeekWeights(embedding, List.copyOf(layers), w.get("model.norm.weight"), lmHead);
    }

    private static Map<String, TensorSpec> specMap(ModelConfig c) {
        DeepSeekConfig d = c.deepSeek();
        if (d == null) {
            throw new IllegalArgumentException(c.architecture().modelType() + " is not a DeepSeek architecture");
        }
        LatentAttentionShape s = d.attention();
        Map<String, TensorSpec> m = new LinkedHashMap<>();
        long h = c.hiddenSize();
        long qDim = (long) s.heads() * s.qkHeadDim();
        put(m, "model.embed_tokens.weight", Role.EMBEDDING, c.vocabularySize(), h);
        for (int i = 0; i < c.layers(); i++) {
            String p = "model.layers." + i + ".";
            String a = p + "self_attn.";
            put(m, p + "input_layernorm.weight", Role.NORM, h);
            if (d.qLoraRank() > 0) {
                put(m, a + "q_a_proj.weight", Role.MATRIX, d.qLoraRank(), h);
                put(m, a + "q_a_layernorm.weight", Role.NORM, d.qLoraRank());
                put(m, a + "q_b_proj.weight", Role.MATRIX, qDim, d.qLoraRank());
            } else {
                put(m, a + "q_proj.weight", Role.MATRIX, qDim, h);
            }
            put(m, a + "kv_a_proj_with_mqa.weight", Role.MATRIX, s.latentWidth(), h);
            put(m, a + "kv_a_layernorm.weight", Role.NORM, s.kvLoraRank());
            put(m, a + "kv_b_proj.weight", Role.MATRIX, (long) s.heads() * (s.nopeDim() + s.vDim()),
                    s.kvLoraRank());
            put(m, a + "o_proj.weight", Role.MATRIX, h, (long) s.heads() * s.vDim());
            put(m, p + "post_attention_layernorm.weight", Role.NORM, h);
            if (c.isSparse(i)) {
                put(m, p + "mlp.gate.weight", Role.MATRIX, c.experts(), h);
                if (d.routing().method() == ExpertRouting.Method.NOAUX_TC) {
                    put(m, p + "mlp.gate.e_score_correction_bias", Role.BIAS, c.experts());
                }
                for (int e = 0; e < c.experts(); e++) {
                    mlpSpecs(m, p + "mlp.experts." + e + ".", h, c.expertIntermediateSize());
                }
                if (c.sharedExpertIntermediateSize() > 0) {
                    mlpSpecs(m, p + "mlp.shared_experts.", h, c.sharedExpertIntermediateSize());
                }
            } else {
                mlpSpecs(m, p + "mlp.", h, c.intermediateSize());
            }
        }
        outputSpecs(m, c);
        return m;
    }
}
