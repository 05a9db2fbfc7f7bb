package io.moeplatform.inference.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.InvalidLoraAdapterException;
import io.moeplatform.inference.LoraAdapterInfo;
import io.moeplatform.inference.model.AdaptedModule;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validation of PEFT adapters against the served model: every refusal names the field or tensor. */
class PeftAdapterReaderTests {

    private static final String LAYER0 = "model.layers.0.self_attn.";

    @TempDir
    Path temp;

    private static ModelConfig config(String model) {
        return ModelConfig.read(GoldenCase.load(model).directory());
    }

    private static Path golden(String model, String adapter) {
        return GoldenCase.loadResource("/golden/lora/" + model + "/" + adapter, adapter).directory();
    }

    @Test
    void readsAPeftAdapterAndSummarizesIt() {
        PeftAdapterReader.Adapter a = new PeftAdapterReader(config("qwen2_moe"), 64).read("x",
                golden("qwen2_moe", "attn_shared_r8"));
        LoraAdapterInfo info = a.info();
        assertThat(info.rank()).isEqualTo(8);
        assertThat(info.alpha()).isEqualTo(32.0);
        assertThat(info.targetModules()).containsExactly("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                "up_proj", "down_proj");
        assertThat(info.adaptedProjections()).isEqualTo(14);
        assertThat(a.weights().get(1, AdaptedModule.DOWN_PROJ).scale()).isEqualTo(4f);
        assertThat(a.weights().adaptsMlp(0)).isTrue();
    }

    @Test
    void peftAdaptersOfFusedExpertsAreRefused() {
        // peft 0.21 + transformers 5 turn target_modules down_proj into target_parameters on qwen3_moe's experts
        assertRefused(() -> new PeftAdapterReader(config("qwen3_moe"), 64).read("x",
                golden("qwen3_moe", "attn_rslora_r4")), "target_parameters", "routed expert");
    }

    @Test
    void rankAboveTheConfiguredMaximumIsRefused() {
        assertRefused(() -> new PeftAdapterReader(config("olmoe"), 2).read("x", golden("olmoe", "attn_bf16_r4")),
                "r", "r is 4 but this engine accepts ranks up to 2");
    }

    @Test
    void anAdapterOfAnotherModelShapeIsRefusedNamingTheTensor() {
        // qwen2_moe has shared experts; olmoe does not
        assertRefused(() -> new PeftAdapterReader(config("olmoe"), 64).read("x", golden("qwen2_moe",
                "attn_shared_r8")), "base_model.model.model.layers.0.mlp.shared_expert.down_proj.lora_A.weight",
                "shared expert that layer 0 does not have");
    }

    @Test
    void shapesMustMatchTheModelAndTheRank() throws Exception {
        Path wrongWidth = new AdapterFiles().pair(LAYER0 + "q_proj", 4, 32, 64).write(temp.resolve("w"),
                AdapterFiles.config(4, ""));
        assertRefused(() -> read(wrongWidth), "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "has shape [4, 32] but the served model needs [4, 64]");
        Path wrongRank = new AdapterFiles().pair(LAYER0 + "k_proj", 4, 64, 32).write(temp.resolve("r"),
                AdapterFiles.config(8, ""));
        assertRefused(() -> read(wrongRank), "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight",
                "needs [8, 64]");
    }

    @Test
    void tensorsOutsideTheSupportedModulesAreRefused() throws Exception {
        Path head = new AdapterFiles().pair("lm_head", 4, 64, 256).write(temp.resolve("h"),
                AdapterFiles.config(4, ""));
        assertRefused(() -> read(head), "base_model.model.lm_head.lora_A.weight", "is not the lora_A or lora_B");
        Path gateOfRouter = new AdapterFiles().pair("model.layers.0.mlp.gate", 4, 64, 8).write(temp.resolve("g"),
                AdapterFiles.config(4, ""));
        assertRefused(() -> read(gateOfRouter), "base_model.model.model.layers.0.mlp.gate.lora_A.weight",
                "supported modules are");
        Path layer = new AdapterFiles().pair("model.layers.7.self_attn.q_proj", 4, 64, 64).write(temp.resolve("l"),
                AdapterFiles.config(4, ""));
        assertRefused(() -> read(layer), "base_model.model.model.layers.7.self_attn.q_proj.lora_A.weight",
                "names layer 7 but the model has 3 layers");
        Path dense = new AdapterFiles().pair("model.layers.0.mlp.up_proj", 4, 64, 96).write(temp.resolve("d"),
                AdapterFiles.config(4, ""));
        assertRefused(() -> read(dense), "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight",
                "dense MLP of layer 0, which is an MoE layer");
    }

    @Test
    void theDenseMlpOfADenseLayerIsAccepted() throws Exception {
        // qwen3_moe's tiny checkpoint has mlp_only_layers = [1] with intermediate size 96
        Path dense = new AdapterFiles().pair("model.layers.1.mlp.up_proj", 4, 64, 96)
                .pair("model.layers.1.mlp.down_proj", 4, 96, 64).write(temp.resolve("d"), AdapterFiles.config(4,
                        "\"use_rslora\": true"));
        PeftAdapterReader.Adapter a = read(dense);
        assertThat(a.info().targetModules()).containsExactly("up_proj", "down_proj");
        assertThat(a.weights().adaptsMlp(1)).isTrue();
        assertThat(a.weights().get(1, AdaptedModule.UP_PROJ).scale()).isEqualTo(8f); // 16 / sqrt(4)
    }

    @Test
    void pairsMustBeComplete() throws Exception {
        Path onlyA = new AdapterFiles().put("base_model.model." + LAYER0 + "q_proj.lora_A.weight", 4, 64, 0.1f)
                .write(temp.resolve("a"), AdapterFiles.config(4, ""));
        assertRefused(() -> read(onlyA), "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight",
                "has no matching base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight");
        Path nan = new AdapterFiles().pair(LAYER0 + "q_proj", 4, 64, 64)
                .put("base_model.model." + LAYER0 + "q_proj.lora_B.weight", 64, 4, Float.NaN)
                .write(temp.resolve("n"), AdapterFiles.config(4, ""));
        assertRefused(() -> read(nan), "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight",
                "non-finite");
    }

    @Test
    void unsupportedPeftOptionsAreRefused() throws Exception {
        AdapterFiles q = new AdapterFiles().pair(LAYER0 + "q_proj", 4, 64, 64);
        assertRefused(() -> read(q.write(temp.resolve("dora"), AdapterFiles.config(4, "\"use_dora\": true"))),
                "use_dora", "use_dora is true");
        assertRefused(() -> read(q.write(temp.resolve("bias"), AdapterFiles.config(4, "\"bias\": \"all\"")
                .replace("\"bias\": \"none\", ", ""))), "bias", "only bias \"none\"");
        assertRefused(() -> read(q.write(temp.resolve("save"), AdapterFiles.config(4,
                "\"modules_to_save\": [\"lm_head\"]"))), "modules_to_save", "modules_to_save is set");
        assertRefused(() -> read(q.write(temp.resolve("pattern"), AdapterFiles.config(4,
                "\"rank_pattern\": {\"q_proj\": 2}"))), "rank_pattern", "rank_pattern is set");
        assertRefused(() -> read(q.write(temp.resolve("ia3"), AdapterFiles.config(4, "")
                .replace("\"LORA\"", "\"IA3\""))), "peft_type", "only LORA");
    }

    @Test
    void missingOrBrokenFilesAreRefusedWithoutServerPaths() throws Exception {
        assertRefused(() -> read(temp.resolve("none")), null, "directory does not exist");
        Path empty = Files.createDirectories(temp.resolve("empty"));
        assertRefused(() -> read(empty), "adapter_config.json", "adapter_config.json is missing");
        Files.writeString(empty.resolve(PeftAdapterReader.CONFIG_FILE), "{not json");
        assertRefused(() -> read(empty), "adapter_config.json", "not valid JSON");
        Files.writeString(empty.resolve(PeftAdapterReader.CONFIG_FILE), AdapterFiles.config(4, ""));
        Files.writeString(empty.resolve("adapter_model.bin"), "pickle");
        assertRefused(() -> read(empty), "adapter_model.safetensors", "safe_serialization=True");
        Files.write(empty.resolve(PeftAdapterReader.WEIGHTS_FILE), new byte[]{1, 2, 3});
        assertThatThrownBy(() -> read(empty)).isInstanceOf(InvalidLoraAdapterException.class)
                .hasMessageStartingWith("adapter_model.safetensors: truncated")
                .hasMessageNotContaining(temp.toString());
    }

    private PeftAdapterReader.Adapter read(Path dir) {
        return new PeftAdapterReader(config("qwen3_moe"), 64).read("x", dir);
    }

    private static void assertRefused(ThrowingCallable call, String field, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidLoraAdapterException.class,
                e -> assertThat(e.field()).isEqualTo(field)).hasMessageContaining(message);
    }
}
