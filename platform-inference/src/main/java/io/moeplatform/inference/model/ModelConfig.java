package io.moeplatform.inference.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The parts of a Hugging Face {@code config.json} that the engine needs, in
 * either the transformers 4.x or 5.x spelling.
 *
 * @param architecture
 *            {@code model_type}
 * @param vocabularySize
 *            rows of the embedding and of lm_head
 * @param hiddenSize
 *            width of the residual stream
 * @param layers
 *            decoder layers
 * @param heads
 *            query heads
 * @param kvHeads
 *            key/value heads (grouped-query attention)
 * @param headDim
 *            dimensions per head
 * @param intermediateSize
 *            hidden size of dense MLP layers (Mixtral: of each expert)
 * @param expertIntermediateSize
 *            hidden size of each routed expert
 * @param sharedExpertIntermediateSize
 *            hidden size of the shared expert (qwen2_moe), 0 when none
 * @param experts
 *            routed experts per MoE layer
 * @param expertsPerToken
 *            top-k
 * @param normalizeTopK
 *            renormalize the top-k routing weights to sum to one
 * @param denseLayers
 *            layers that use a dense MLP instead of experts
 * @param rmsNormEps
 *            epsilon of every RMSNorm
 * @param maxPositions
 *            {@code max_position_embeddings}
 * @param tieWordEmbeddings
 *            lm_head shares the embedding table
 * @param qkvBias
 *            q/k/v projections have biases
 * @param outputBias
 *            the attention output projection has a bias
 * @param rope
 *            rotary embedding parameters
 * @param dtype
 *            declared weight dtype ({@code torch_dtype} or {@code dtype}), or null
 * @param eosTokenId
 *            config's eos token id (fallback for generation_config.json), or null
 * @param deepSeek
 *            MLA and DeepSeekMoE parameters of deepseek_v2 / deepseek_v3, null for the other families
 */
public record ModelConfig(Architecture architecture, int vocabularySize, int hiddenSize, int layers, int heads,
        int kvHeads, int headDim, int intermediateSize, int expertIntermediateSize, int sharedExpertIntermediateSize,
        int experts, int expertsPerToken, boolean normalizeTopK, Set<Integer> denseLayers, double rmsNormEps,
        int maxPositions, boolean tieWordEmbeddings, boolean qkvBias, boolean outputBias, RopeScaling rope,
        @Nullable String dtype, @Nullable JsonNode eosTokenId, @Nullable DeepSeekConfig deepSeek) {

    public static final String FILE = "config.json";

    /** Reads {@code <directory>/config.json}; fails with a message that names the file and the problem. */
    public static ModelConfig read(Path directory) {
        Path file = directory.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new ModelLoadException(file, "missing; a model directory needs the Hugging Face config.json");
        }
        JsonNode c;
        try {
            c = JsonMapper.builder().build().readTree(file.toFile());
        } catch (JacksonException e) {
            throw new ModelLoadException(file, "not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        try {
            return parse(c);
        } catch (IllegalArgumentException e) {
            throw new ModelLoadException(file, e.getMessage(), e);
        }
    }

    /** Parses a config object; throws IllegalArgumentException naming the offending field. */
    public static ModelConfig parse(JsonNode c) {
        String modelType = text(c, "model_type");
        if (modelType == null) {
            throw new IllegalArgumentException(
                    "no \"model_type\"; supported architectures: " + Architecture.supported());
        }
        Architecture arch = Architecture.forModelType(modelType);
        if (arch.multiLatentAttention()) {
            return DeepSeekConfigs.parse(c, arch);
        }
        int hidden = integer(c, "hidden_size", null);
        int heads = integer(c, "num_attention_heads", null);
        int kvHeads = integer(c, "num_key_value_heads", heads);
        Integer headDimField = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : null;
        int headDim = headDimField != null ? headDimField : hidden / heads;
        int intermediate = integer(c, "intermediate_size", null);
        int experts = c.hasNonNull("num_experts")
                ? c.get("num_experts").asInt()
                : integer(c, "num_local_experts", null);
        int expertInter = arch == Architecture.MIXTRAL || arch == Architecture.OLMOE
                ? intermediate
                : integer(c, "moe_intermediate_size", null);
        int sharedInter = arch == Architecture.QWEN2_MOE ? integer(c, "shared_expert_intermediate_size", null) : 0;
        int layers = integer(c, "num_hidden_layers", null);
        Set<Integer> dense = new HashSet<>();
        if (arch == Architecture.QWEN3_MOE || arch == Architecture.QWEN2_MOE) {
            int sparseStep = integer(c, "decoder_sparse_step", 1);
            JsonNode mlpOnly = c.get("mlp_only_layers");
            if (mlpOnly != null && mlpOnly.isArray()) {
                mlpOnly.forEach(n -> dense.add(n.asInt()));
            }
            for (int i = 0; i < layers; i++) {
                // transformers: experts iff not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0
                if (experts <= 0 || sparseStep <= 0 || (i + 1) % sparseStep != 0) {
                    dense.add(i);
                }
            }
        }
        boolean normTopK = arch == Architecture.MIXTRAL || c.path("norm_topk_prob").asBoolean(false);
        boolean attentionBias = c.path("attention_bias").asBoolean(false);
        boolean qkvBias = arch == Architecture.QWEN2_MOE ? c.path("qkv_bias").asBoolean(true) : attentionBias;
        if (arch == Architecture.OLMOE && c.hasNonNull("clip_qkv")) {
            throw new IllegalArgumentException("clip_qkv is set; this engine supports OLMoE only with clip_qkv null");
        }
        if (arch == Architecture.MIXTRAL && c.hasNonNull("sliding_window")
                && c.get("sliding_window").asInt() < integer(c, "max_position_embeddings", 4096)) {
            throw new IllegalArgumentException("sliding_window attention is not supported; set sliding_window to null");
        }
        if (arch == Architecture.QWEN2_MOE && c.path("use_sliding_window").asBoolean(false)) {
            throw new IllegalArgumentException("use_sliding_window=true is not supported");
        }
        int topK = integer(c, "num_experts_per_tok", null);
        if (topK <= 0 || topK > experts) {
            throw new IllegalArgumentException("num_experts_per_tok is " + topK + "; it must be between 1 and the "
                    + experts + " experts");
        }
        if (heads % kvHeads != 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + heads + ") must be a multiple of "
                    + "num_key_value_heads (" + kvHeads + ") and head_dim (" + headDim + ") even");
        }
        String dtype = c.hasNonNull("dtype") ? text(c, "dtype") : text(c, "torch_dtype");
        return new ModelConfig(arch, integer(c, "vocab_size", null), hidden, layers, heads, kvHeads, headDim,
                intermediate, expertInter, sharedInter, experts, topK, normTopK,
                Set.copyOf(dense), c.path("rms_norm_eps").asDouble(1e-6), integer(c, "max_position_embeddings", null),
                c.path("tie_word_embeddings").asBoolean(false), qkvBias,
                arch != Architecture.QWEN2_MOE && attentionBias, rope(c, arch), dtype, c.get("eos_token_id"), null);
    }

    /** Whether layer {@code i} routes through experts (else a dense MLP). */
    public boolean isSparse(int layer) {
        return !denseLayers.contains(layer);
    }

    static RopeScaling rope(JsonNode c, Architecture arch) {
        JsonNode params = c.get("rope_parameters");
        JsonNode scaling = c.get("rope_scaling");
        double theta = c.path("rope_theta").asDouble(arch == Architecture.MIXTRAL ? 1e6 : 10000.0);
        JsonNode p;
        if (params != null && params.isObject()) {
            p = params;
            theta = p.path("rope_theta").asDouble(theta);
        } else if (scaling != null && scaling.isObject()) {
            p = scaling;
        } else {
            return RopeScaling.unscaled(theta);
        }
        String type = p.hasNonNull("rope_type") ? p.get("rope_type").asString() : p.path("type").asString("default");
        if (!Set.of("default", "linear", "dynamic", "yarn").contains(type)) {
            throw new IllegalArgumentException(
                    "rope type '" + type + "' is not supported; supported: default, linear, dynamic, yarn");
        }
        double factor = p.path("factor").asDouble(1.0);
        if (!type.equals("default") && !p.hasNonNull("factor")) {
            throw new IllegalArgumentException("rope type '" + type + "' needs a \"factor\"");
        }
        return new RopeScaling(type, theta, factor,
                p.hasNonNull("original_max_position_embeddings")
                        ? p.get("original_max_position_embeddings").asInt()
                        : null,
                p.hasNonNull("attention_factor") ? p.get("attention_factor").asDouble() : null,
                p.hasNonNull("beta_fast") ? p.get("beta_fast").asDouble() : 32,
                p.hasNonNull("beta_slow") ? p.get("beta_slow").asDouble() : 1,
                p.hasNonNull("mscale") ? p.get("mscale").asDouble() : null,
                p.hasNonNull("mscale_all_dim") ? p.get("mscale_all_dim").asDouble() : null,
                p.path("truncate").asBoolean(true));
    }

    static @Nullable String text(JsonNode c, String field) {
        return c.hasNonNull(field) ? c.get(field).asString() : null;
    }

    static int integer(JsonNode c, String field, @Nullable Integer fallback) {
        JsonNode n = c.get(field);
        if (n == null || n.isNull()) {
            if (fallback == null) {
                throw new IllegalArgumentException("\"" + field + "\" is missing");
            }
            return fallback;
        }
        if (!n.isNumber()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a number, found " + n);
        }
        return n.asInt();
    }
}
