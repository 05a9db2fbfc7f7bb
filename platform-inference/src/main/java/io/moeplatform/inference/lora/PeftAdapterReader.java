package io.moeplatform.inference.lora;

import io.moeplatform.inference.InvalidLoraAdapterException;
import io.moeplatform.inference.LoraAdapterInfo;
import io.moeplatform.inference.model.AdaptedModule;
import io.moeplatform.inference.model.AdapterWeights;
import io.moeplatform.inference.model.LowRankWeights;
import io.moeplatform.inference.model.ModelConfig;
import io.moeplatform.inference.model.ModelLoadException;
import io.moeplatform.inference.model.SafetensorsFile;
import io.moeplatform.inference.model.WeightTensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads a PEFT LoRA adapter directory ({@code adapter_config.json} + {@code adapter_model.safetensors}, as
 * {@code save_pretrained} writes it) and validates it against the served model: every option the engine would
 * silently get wrong is refused, every tensor must be the A or B of a projection the engine adapts, with the shape
 * of that projection and the configured rank. Errors name the field or tensor; nothing about the server's paths.
 *
 * <p>
 * Supported: {@code q_proj, k_proj, v_proj, o_proj} of every layer, {@code gate_proj, up_proj, down_proj} of dense
 * layers ({@code mlp.*}) and of shared experts ({@code mlp.shared_expert.*}), ranks up to the configured maximum,
 * fp32/bf16/fp16 tensors, {@code use_rslora}. Refused: routed experts (peft's {@code target_parameters}, which
 * transformers 5 models with fused experts get even from plain {@code target_modules}), DoRA, LoRA biases,
 * {@code modules_to_save}, rank/alpha patterns, aLoRA and other variants.
 */
public final class PeftAdapterReader {

    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern TENSOR = Pattern.compile(
            "(?:base_model\\.model\\.)?model\\.layers\\.(\\d+)\\.(self_attn|mlp|mlp\\.shared_expert)\\.([a-z_]+)"
                    + "\\.lora_([AB])\\.weight");
    /** Options that change what the adapter computes and that the engine does not implement. */
    private static final List<String> UNSUPPORTED_WHEN_SET = List.of("modules_to_save", "layer_replication",
            "alora_invocation_tokens", "trainable_token_indices", "rank_pattern", "alpha_pattern");
    private static final List<String> UNSUPPORTED_WHEN_TRUE = List.of("use_dora", "lora_bias", "fan_in_fan_out",
            "use_qalora", "use_bdlora");

    private final ModelConfig model;
    private final int maxRank;

    /**
     * @param model
     *            the served model's config.json
     * @param maxRank
     *            highest accepted r
     */
    public PeftAdapterReader(ModelConfig model, int maxRank) {
        this.model = model;
        this.maxRank = maxRank;
    }

    /** What {@link #read} gives: the weights and a summary. */
    public record Adapter(AdapterWeights weights, LoraAdapterInfo info) {}

    /** Reads and validates {@code directory} as adapter {@code id}. */
    public Adapter read(String id, Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new InvalidLoraAdapterException("The LoRA adapter directory does not exist", null);
        }
        JsonNode config = readConfig(directory.resolve(CONFIG_FILE));
        Path weightsFile = directory.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            boolean pickle = Files.exists(directory.resolve("adapter_model.bin"));
            throw new InvalidLoraAdapterException(WEIGHTS_FILE + " is missing" + (pickle
                    ? "; adapter_model.bin (pickle) is not read, save the adapter with safe_serialization=True"
                    : ""), WEIGHTS_FILE);
        }
        int rank = rank(config);
        double alpha = number(config, "lora_alpha");
        boolean rsLora = config.path("use_rslora").asBoolean(false);
        float scale = (float) (rsLora ? alpha / Math.sqrt(rank) : alpha / rank);
        Map<Integer, Map<AdaptedModule, LowRankWeights>> weights = new TreeMap<>();
        Set<AdaptedModule> modules = EnumSet.noneOf(AdaptedModule.class);
        int projections = 0;
        long bytes = 0;
        try (Arena arena = Arena.ofConfined()) {
            Map<String, WeightTensor> tensors;
            try {
                tensors = SafetensorsFile.map(weightsFile, arena);
            } catch (ModelLoadException e) {
                throw new InvalidLoraAdapterException(
                        e.getMessage().replace(weightsFile.toString(), WEIGHTS_FILE), WEIGHTS_FILE, e);
            }
            if (tensors.isEmpty()) {
                throw new InvalidLoraAdapterException(WEIGHTS_FILE + " holds no tensors", WEIGHTS_FILE);
            }
            Map<String, WeightTensor> pairs = new TreeMap<>();
            for (WeightTensor t : tensors.values()) {
                pairs.put(t.name(), t);
            }
            for (WeightTensor t : pairs.values()) {
                Matcher m = match(t.name());
                if (m.group(4).equals("B")) {
                    String a = t.name().substring(0, t.name().length() - "B.weight".length()) + "A.weight";
                    if (!pairs.containsKey(a)) {
                        throw invalid(t.name(), "has no matching " + a);
                    }
                    continue;
                }
                String bName = t.name().substring(0, t.name().length() - "A.weight".length()) + "B.weight";
                WeightTensor b = pairs.get(bName);
                if (b == null) {
                    throw invalid(t.name(), "has no matching " + bName);
                }
                int layer = layer(t.name(), m.group(1));
                AdaptedModule module = module(t.name(), layer, m.group(2), m.group(3));
                int in = inFeatures(layer, module);
                int out = outFeatures(layer, module);
                checkShape(t, rank, in);
                checkShape(b, out, rank);
                LowRankWeights w = new LowRankWeights(rank, in, out, scale, floats(t), floats(b));
                if (weights.computeIfAbsent(layer, l -> new TreeMap<>()).put(module, w) != null) {
                    throw invalid(t.name(), "adapts the same projection as another tensor");
                }
                modules.add(module);
                projections++;
                bytes += w.bytes();
            }
        }
        List<String> names = new ArrayList<>();
        for (AdaptedModule m : modules) {
            names.add(m.peftName());
        }
        return new Adapter(new AdapterWeights(id, model.layers(), weights),
                new LoraAdapterInfo(rank, alpha, rsLora, names, projections, bytes));
    }

    private JsonNode readConfig(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidLoraAdapterException(CONFIG_FILE + " is missing", CONFIG_FILE);
        }
        JsonNode config;
        try {
            config = JSON.readTree(Files.readString(file));
        } catch (IOException | JacksonException e) {
            throw new InvalidLoraAdapterException(CONFIG_FILE + " is not valid JSON", CONFIG_FILE, e);
        }
        if (config == null || !config.isObject()) {
            throw new InvalidLoraAdapterException(CONFIG_FILE + " must hold a JSON object", CONFIG_FILE);
        }
        String type = config.path("peft_type").asString("LORA");
        if (!type.equals("LORA")) {
            throw new InvalidLoraAdapterException(
                    "peft_type is " + type + "; only LORA adapters can be served", "peft_type");
        }
        if (nonEmpty(config.get("target_parameters"))) {
            throw new InvalidLoraAdapterException("target_parameters " + config.get("target_parameters")
                    + " adapts routed expert weights, which this engine does not support; adapt attention "
                    + "projections, dense MLPs and shared experts only", "target_parameters");
        }
        String bias = config.path("bias").asString("none");
        if (!bias.equals("none")) {
            throw new InvalidLoraAdapterException("bias is '" + bias + "'; only bias \"none\" is supported", "bias");
        }
        for (String field : UNSUPPORTED_WHEN_TRUE) {
            if (config.path(field).asBoolean(false)) {
                throw new InvalidLoraAdapterException(field + " is true, which this engine does not support", field);
            }
        }
        for (String field : UNSUPPORTED_WHEN_SET) {
            if (nonEmpty(config.get(field))) {
                throw new InvalidLoraAdapterException(field + " is set (" + config.get(field)
                        + "), which this engine does not support", field);
            }
        }
        return config;
    }

    private static boolean nonEmpty(JsonNode node) {
        return node != null && !node.isNull() && !(node.isContainer() && node.isEmpty());
    }

    private int rank(JsonNode config) {
        JsonNode r = config.get("r");
        if (r == null || !r.isIntegralNumber() || r.asInt() < 1) {
            throw new InvalidLoraAdapterException("r must be a positive integer", "r");
        }
        if (r.asInt() > maxRank) {
            throw new InvalidLoraAdapterException(
                    "r is " + r.asInt() + " but this engine accepts ranks up to " + maxRank, "r");
        }
        return r.asInt();
    }

    private static double number(JsonNode config, String field) {
        JsonNode n = config.get(field);
        if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) {
            throw new InvalidLoraAdapterException(field + " must be a number", field);
        }
        return n.asDouble();
    }

    private static Matcher match(String name) {
        Matcher m = TENSOR.matcher(name);
        if (m.matches()) {
            return m;
        }
        if (name.contains(".experts.")) {
            throw invalid(name, "adapts routed expert weights, which this engine does not support");
        }
        if (name.contains("lora_magnitude_vector")) {
            throw invalid(name, "is a DoRA magnitude vector; DoRA is not supported");
        }
        throw invalid(name, "is not the lora_A or lora_B weight of an attention projection, dense MLP or shared "
                + "expert of a decoder layer");
    }

    private int layer(String name, String digits) {
        int layer;
        try {
            layer = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            layer = Integer.MAX_VALUE;
        }
        if (layer >= model.layers()) {
            throw invalid(name, "names layer " + digits + " but the model has " + model.layers() + " layers");
        }
        return layer;
    }

    private AdaptedModule module(String name, int layer, String block, String moduleName) {
        AdaptedModule module = AdaptedModule.ofPeftName(moduleName);
        if (module == null) {
            throw invalid(name, "adapts " + moduleName + "; supported modules are q_proj, k_proj, v_proj, o_proj, "
                    + "gate_proj, up_proj and down_proj");
        }
        boolean attention = block.equals("self_attn");
        if (attention == module.mlp()) {
            throw invalid(name, "puts " + moduleName + " under " + block);
        }
        if (block.equals("mlp") && model.isSparse(layer)) {
            throw invalid(name, "adapts the dense MLP of layer " + layer + ", which is an MoE layer");
        }
        if (block.equals("mlp.shared_expert")
                && (!model.isSparse(layer) || model.sharedExpertIntermediateSize() == 0)) {
            throw invalid(name, "adapts a shared expert that layer " + layer + " does not have");
        }
        return module;
    }

    private int inFeatures(int layer, AdaptedModule module) {
        return switch (module) {
            case Q_PROJ, K_PROJ, V_PROJ, GATE_PROJ, UP_PROJ -> model.hiddenSize();
            case O_PROJ -> model.heads() * model.headDim();
            case DOWN_PROJ -> mlpWidth(layer);
        };
    }

    private int outFeatures(int layer, AdaptedModule module) {
        return switch (module) {
            case Q_PROJ -> model.heads() * model.headDim();
            case K_PROJ, V_PROJ -> model.kvHeads() * model.headDim();
            case O_PROJ, DOWN_PROJ -> model.hiddenSize();
            case GATE_PROJ, UP_PROJ -> mlpWidth(layer);
        };
    }

    private int mlpWidth(int layer) {
        return model.isSparse(layer) ? model.sharedExpertIntermediateSize() : model.intermediateSize();
    }

    private static void checkShape(WeightTensor t, int rows, int columns) {
        long[] s = t.shape();
        if (s.length != 2 || s[0] != rows || s[1] != columns) {
            throw invalid(t.name(), "has shape " + java.util.Arrays.toString(s) + " but the served model needs ["
                    + rows + ", " + columns + "]");
        }
    }

    /** The tensor as fp32; bf16 and fp16 are widened exactly. */
    static float[] floats(WeightTensor t) {
        int n = Math.toIntExact(t.elementCount());
        float[] out = new float[n];
        var le = ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.dtype()) {
                case F32 -> t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), 4L * i);
                case BF16 -> Float.intBitsToFloat(
                        (t.data().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), 2L * i) & 0xFFFF) << 16);
                case F16 -> Float.float16ToFloat(t.data().get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), 2L * i));
            };
            if (!Float.isFinite(out[i])) {
                throw invalid(t.name(), "holds a non-finite value at element " + i);
            }
        }
        return out;
    }

    private static InvalidLoraAdapterException invalid(String tensor, String problem) {
        return new InvalidLoraAdapterException("Tensor " + tensor + " " + problem, tensor);
    }

}
