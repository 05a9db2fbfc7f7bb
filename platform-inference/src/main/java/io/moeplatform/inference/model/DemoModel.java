package io.moeplatform.inference.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The built-in demo model: a small qwen3_moe (4 layers, 16 experts, top-4,
 * vocabulary 512) with deterministic random bf16 weights, so that the platform
 * runs end to end without a download. Its text is meaningless; the tokenizer
 * comes from the classpath ({@value #RESOURCES}).
 */
public final class DemoModel {

    /** Classpath folder of the demo tokenizer files. */
    public static final String RESOURCES = "/io/moeplatform/inference/demo/";
    static final long SEED = 20_251_122L;
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json");
    private static final String CONFIG = """
            {
              "architectures": ["Qwen3MoeForCausalLM"],
              "model_type": "qwen3_moe",
              "vocab_size": 512,
              "hidden_size": 256,
              "num_hidden_layers": 4,
              "num_attention_heads": 8,
              "num_key_value_heads": 4,
              "head_dim": 32,
              "num_experts": 16,
              "num_experts_per_tok": 4,
              "moe_intermediate_size": 128,
              "intermediate_size": 512,
              "norm_topk_prob": true,
              "decoder_sparse_step": 1,
              "mlp_only_layers": [],
              "max_position_embeddings": 4096,
              "rope_theta": 1000000.0,
              "rope_scaling": null,
              "rms_norm_eps": 1e-06,
              "hidden_act": "silu",
              "attention_bias": false,
              "use_sliding_window": false,
              "sliding_window": null,
              "tie_word_embeddings": false,
              "bos_token_id": null,
              "eos_token_id": [258, 256],
              "pad_token_id": 256,
              "torch_dtype": "bfloat16"
            }
            """;
    private static final String GENERATION_CONFIG = """
            {
              "bos_token_id": null,
              "eos_token_id": [258, 256],
              "pad_token_id": 256
            }
            """;

    private DemoModel() {}

    /**
     * The demo model directory {@code <dataDir>/models/moe-demo}, created on first
     * use (written to a temporary directory, then renamed atomically; a later or
     * concurrent call reuses the finished one).
     */
    public static Path ensure(Path dataDir) {
        return ensure(dataDir, name -> DemoModel.class.getResourceAsStream(RESOURCES + name));
    }

    static Path ensure(Path dataDir, Function<String, @Nullable InputStream> tokenizerResources) {
        Path models = dataDir.resolve("models");
        Path target = models.resolve("moe-demo");
        if (Files.isRegularFile(target.resolve("model.safetensors"))) {
            return target;
        }
        Path temp = null;
        try {
            Files.createDirectories(models);
            temp = Files.createTempDirectory(models, ".moe-demo-");
            writeModelFiles(temp);
            for (String name : TOKENIZER_FILES) {
                try (InputStream in = tokenizerResources.apply(name)) {
                    if (in == null) {
                        throw new IllegalStateException("the demo model needs classpath resource " + RESOURCES + name
                                + ", which is missing; it ships with the text module (src/main/resources"
                                + RESOURCES + ")");
                    }
                    Files.copy(in, temp.resolve(name));
                }
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
                // another process finished first: use its copy
                delete(temp);
            }
            return target;
        } catch (IOException e) {
            if (temp != null) {
                delete(temp);
            }
            throw new UncheckedIOException("cannot create the demo model under " + models + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (temp != null) {
                delete(temp);
            }
            throw e;
        }
    }

    /**
     * Writes config.json, generation_config.json and model.safetensors (bf16,
     * fixed seed) into {@code dir}, without the tokenizer: enough for the
     * executor and benchmarks.
     */
    public static void writeModelFiles(Path dir) throws IOException {
        Files.writeString(dir.resolve(ModelConfig.FILE), CONFIG);
        Files.writeString(dir.resolve(GenerationConfig.FILE), GENERATION_CONFIG);
        JsonNode json = JsonMapper.builder().build().readTree(CONFIG);
        ModelConfig config = ModelConfig.parse(json);
        try (RandomWeights random = new RandomWeights(SEED, dir)) {
            List<WeightTensor> tensors = new ArrayList<>();
            for (TensorSpec spec : DecoderWeights.specs(config)) {
                tensors.add(random.tensor(spec));
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a leftover temporary directory is harmless and named .moe-demo-*
        }
    }
}
