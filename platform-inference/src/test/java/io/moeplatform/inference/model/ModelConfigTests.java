package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** config.json of real checkpoints, in transformers 4.x and 5.x spellings. */
class ModelConfigTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path temp;

    @Test
    void readsQwen3MoeFromATransformers4Config() {
        ModelConfig c = ModelConfig.parse(resource("qwen3-30b-a3b.json"));
        assertThat(c.architecture()).isEqualTo(Architecture.QWEN3_MOE);
        assertThat(c.heads()).isEqualTo(32);
        assertThat(c.kvHeads()).isEqualTo(4);
        assertThat(c.headDim()).isEqualTo(128);
        assertThat(c.experts()).isEqualTo(128);
        assertThat(c.expertsPerToken()).isEqualTo(8);
        assertThat(c.expertIntermediateSize()).isEqualTo(768);
        assertThat(c.normalizeTopK()).isTrue();
        assertThat(c.denseLayers()).isEmpty();
        assertThat(c.rope()).isEqualTo(RopeScaling.unscaled(1e6));
        assertThat(c.dtype()).isEqualTo("bfloat16");
    }

    @Test
    void readsMixtralWithLocalExpertsAndDerivedHeadDim() {
        ModelConfig c = ModelConfig.parse(resource("mixtral-8x7b.json"));
        assertThat(c.architecture()).isEqualTo(Architecture.MIXTRAL);
        assertThat(c.experts()).isEqualTo(8);
        assertThat(c.headDim()).isEqualTo(4096 / 32);
        assertThat(c.expertIntermediateSize()).isEqualTo(14336);
        assertThat(c.normalizeTopK()).isTrue();
    }

    @Test
    void readsQwen2MoeSharedExpertAndBiasesAndOlmoeNorms() {
        ModelConfig q = ModelConfig.parse(resource("qwen1.5-moe-a2.7b.json"));
        assertThat(q.sharedExpertIntermediateSize()).isEqualTo(5632);
        assertThat(q.qkvBias()).isTrue();
        assertThat(q.experts()).isEqualTo(60);
        ModelConfig o = ModelConfig.parse(resource("olmoe-1b-7b.json"));
        assertThat(o.architecture().qkNorm()).isEqualTo(Architecture.QkNorm.FULL);
        assertThat(o.experts()).isEqualTo(64);
        assertThat(o.normalizeTopK()).isFalse();
    }

    @Test
    void rejectsAnUnknownModelTypeListingWhatIsSupported() {
        ObjectNode c = (ObjectNode) resource("deepseek-v3.json");
        c.put("model_type", "deepseek_v4");
        assertThatThrownBy(() -> ModelConfig.parse(c))
                .hasMessageContaining("'deepseek_v4' is not supported")
                .hasMessageContaining("qwen3_moe, qwen2_moe, mixtral, olmoe, deepseek_v2, deepseek_v3");
    }

    @Test
    void readsRopeParametersMlpOnlyLayersAndSparseStep() {
        ObjectNode c = (ObjectNode) resource("qwen3-30b-a3b.json");
        c.remove("rope_theta");
        c.remove("rope_scaling");
        c.remove("num_experts");
        c.put("num_local_experts", 16);
        c.set("rope_parameters", JSON.readTree("{\"rope_type\": \"yarn\", \"rope_theta\": 5000.0, \"factor\": 4.0,"
                + " \"original_max_position_embeddings\": 32768}"));
        c.set("mlp_only_layers", JSON.readTree("[5]"));
        c.put("decoder_sparse_step", 2);
        c.put("num_hidden_layers", 6);
        ModelConfig m = ModelConfig.parse(c);
        assertThat(m.experts()).isEqualTo(16);
        assertThat(m.rope().type()).isEqualTo("yarn");
        assertThat(m.rope().theta()).isEqualTo(5000.0);
        assertThat(m.rope().factor()).isEqualTo(4.0);
        assertThat(m.rope().originalMaxPositions()).isEqualTo(32768);
        // sparse iff (i + 1) % 2 == 0 and i not in mlp_only_layers
        assertThat(m.denseLayers()).containsExactlyInAnyOrder(0, 2, 4, 5);
    }

    @Test
    void readsTheOldRopeScalingTypeKey() {
        ObjectNode c = (ObjectNode) resource("olmoe-1b-7b.json");
        c.set("rope_scaling", JSON.readTree("{\"type\": \"dynamic\", \"factor\": 2.0}"));
        assertThat(ModelConfig.parse(c).rope().type()).isEqualTo("dynamic");
    }

    @Test
    void eosComesFromGenerationConfigAsIntOrListElseFromConfig() throws IOException {
        Files.writeString(temp.resolve("config.json"), resource("qwen3-30b-a3b.json").toString());
        ModelConfig c = ModelConfig.read(temp);
        assertThat(GenerationConfig.read(temp, c).eosTokenIds()).containsExactly(151645);
        Files.writeString(temp.resolve("generation_config.json"), "{\"eos_token_id\": [151645, 151643], "
                + "\"pad_token_id\": 151643}");
        GenerationConfig g = GenerationConfig.read(temp, c);
        assertThat(g.eosTokenIds()).containsExactly(151645, 151643);
        assertThat(g.padTokenId()).isEqualTo(151643);
        Files.writeString(temp.resolve("generation_config.json"), "{\"eos_token_id\": 7}");
        assertThat(GenerationConfig.read(temp, c).eosTokenIds()).containsExactly(7);
    }

    @Test
    void namesTheFileOfInvalidJson() throws IOException {
        Files.writeString(temp.resolve("config.json"), "{\"model_type\": ");
        assertThatThrownBy(() -> ModelConfig.read(temp)).isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(temp.resolve("config.json").toString()).hasMessageContaining("not valid JSON");
    }

    private static JsonNode resource(String name) {
        try (InputStream in = ModelConfigTests.class.getResourceAsStream("/model/configs/" + name)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
