package io.moeplatform.inference.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The MoE decoder families this engine runs, with what differs between them:
 * hub tensor names, q/k normalization and the shared expert. Everything else is
 * the common decoder in {@link MoeDecoder}, except for the DeepSeek families, which run {@link DeepSeekDecoder}.
 */
public enum Architecture {
    /** Qwen3-MoE: RMSNorm of each q/k head, dense layers by mlp_only_layers / decoder_sparse_step. */
    QWEN3_MOE("qwen3_moe", QkNorm.PER_HEAD, "mlp"),
    /** Qwen2-MoE (Qwen1.5-MoE): q/k/v biases and a shared expert with a sigmoid gate. */
    QWEN2_MOE("qwen2_moe", QkNorm.NONE, "mlp"),
    /** Mixtral: experts under block_sparse_moe with w1 (gate), w3 (up), w2 (down). */
    MIXTRAL("mixtral", QkNorm.NONE, "block_sparse_moe"),
    /** OLMoE: RMSNorm over the whole q and k projections before splitting into heads. */
    OLMOE("olmoe", QkNorm.FULL, "mlp"),
    /** DeepSeek-V2 (V2-Lite, Coder-V2): multi-head latent attention, softmax DeepSeekMoE; see {@link DeepSeekDecoder}. */
    DEEPSEEK_V2("deepseek_v2", QkNorm.NONE, "mlp"),
    /** DeepSeek-V3 (R1 and checkpoints reusing it): MLA, sigmoid scores with a correction bias. */
    DEEPSEEK_V3("deepseek_v3", QkNorm.NONE, "mlp");

    /** Where q/k normalization applies. */
    public enum QkNorm {
        NONE, PER_HEAD, FULL
    }

    private final String modelType;
    private final QkNorm qkNorm;
    private final String moeModule;

    Architecture(String modelType, QkNorm qkNorm, String moeModule) {
        this.modelType = modelType;
        this.qkNorm = qkNorm;
        this.moeModule = moeModule;
    }

    /** Hugging Face {@code model_type}. */
    public String modelType() {
        return modelType;
    }

    /** Whether the family uses multi-head latent attention and DeepSeekMoE ({@link DeepSeekDecoder}). */
    public boolean multiLatentAttention() {
        return this == DEEPSEEK_V2 || this == DEEPSEEK_V3;
    }

    public QkNorm qkNorm() {
        return qkNorm;
    }

    /** The architecture of a {@code model_type}; the message of the failure lists the supported ones. */
    public static Architecture forModelType(String modelType) {
        for (Architecture a : values()) {
            if (a.modelType.equals(modelType)) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                "model_type '" + modelType + "' is not supported; supported architectures: " + supported());
    }

    static String supported() {
        return Arrays.stream(values()).map(Architecture::modelType).collect(Collectors.joining(", "));
    }

    /** Hub name of a routed expert's projection: {@code kind} is gate, up or down. */
    String expertWeight(int layer, int expert, String kind) {
        String prefix = "model.layers." + layer + "." + moeModule + ".experts." + expert + ".";
        if (this == MIXTRAL) {
            return prefix + switch (kind) {
                case "gate" -> "w1";
                case "up" -> "w3";
                default -> "w2";
            } + ".weight";
        }
        return prefix + kind + "_proj.weight";
    }

    /** Hub name of the router of a layer. */
    String routerWeight(int layer) {
        return "model.layers." + layer + "." + moeModule + ".gate.weight";
    }
}
