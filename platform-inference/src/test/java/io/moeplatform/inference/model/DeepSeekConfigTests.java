package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** deepseek_v2 / deepseek_v3 configs of the released checkpoints, and what MLA saves in the KV cache. */
class DeepSeekConfigTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void readsDeepSeekV2Lite() {
        ModelConfig c = ModelConfig.parse(resource("deepseek-v2-lite.json"));
        assertThat(c.architecture()).isEqualTo(Architecture.DEEPSEEK_V2);
        DeepSeekConfig d = c.deepSeek();
        assertThat(d).isNotNull();
        assertThat(d.qLoraRank()).isZero();
        LatentAttentionShape a = d.attention();
        assertThat(a.heads()).isEqualTo(16);
        assertThat(a.kvLoraRank()).isEqualTo(512);
        assertThat(a.qkHeadDim()).isEqualTo(192);
        assertThat(a.vDim()).isEqualTo(128);
        assertThat(a.interleavedRope()).isTrue();
        // YaRN factor 40, mscale_all_dim 0.707: (0.1 * 0.707 * ln 40 + 1)^2 / sqrt(192)
        double m = 0.1 * 0.707 * Math.log(40) + 1;
        assertThat((double) a.scale()).isCloseTo(m * m / Math.sqrt(192), offset(1e-7));
        assertThat(d.routing()).isEqualTo(new ExpertRouting(ExpertRouting.Scoring.SOFTMAX,
                ExpertRouting.Method.GREEDY, 1, 1, 6, false, 1.0f));
        assertThat(d.sharedExperts()).isEqualTo(2);
        assertThat(c.sharedExpertIntermediateSize()).isEqualTo(2 * 1408);
        assertThat(c.experts()).isEqualTo(64);
        assertThat(c.denseLayers()).containsExactly(0);
        assertThat(c.rope().type()).isEqualTo("yarn");
    }

    @Test
    void readsDeepSeekV3() {
        ModelConfig c = ModelConfig.parse(resource("deepseek-v3.json"));
        assertThat(c.architecture()).isEqualTo(Architecture.DEEPSEEK_V3);
        DeepSeekConfig d = c.deepSeek();
        assertThat(d).isNotNull();
        assertThat(d.qLoraRank()).isEqualTo(1536);
        assertThat(d.routing()).isEqualTo(new ExpertRouting(ExpertRouting.Scoring.SIGMOID,
                ExpertRouting.Method.NOAUX_TC, 8, 4, 8, true, 2.5f));
        assertThat(c.denseLayers()).containsExactlyInAnyOrder(0, 1, 2);
        assertThat(c.isSparse(3)).isTrue();
    }

    @Test
    void moeLayerFreqLeavesLayersDense() {
        ObjectNode c = resource("deepseek-v2-lite.json");
        c.put("moe_layer_freq", 2);
        ModelConfig parsed = ModelConfig.parse(c);
        assertThat(parsed.isSparse(1)).isFalse();
        assertThat(parsed.isSparse(2)).isTrue();
        assertThat(parsed.isSparse(3)).isFalse();
    }

    @Test
    void theLatentCacheOfV2LiteIsUnderAnEighthOfFullKeysAndValues() {
        ModelConfig c = ModelConfig.parse(resource("deepseek-v2-lite.json"));
        LatentAttentionShape a = c.deepSeek().attention();
        KvCacheShape latent = KvCacheShape.latent(c.layers(), a.latentWidth());
        // per token and layer: c_kv (512) + k_pe (64) fp32 values
        assertThat(latent.bytesPerToken()).isEqualTo(27L * (512 + 64) * 4);
        // the same model with expanded K (heads x (nope + rope)) and V (heads x v) per token
        long full = 27L * 16 * (192 + 128) * 4;
        assertThat((double) latent.bytesPerToken() / full).isLessThan(1.0 / 8);
    }

    @Test
    void footprintCountsMlaWeightsAndTheLatentCache() {
        ModelFootprint f = ModelFootprint.of(ModelConfig.parse(resource("deepseek-v2-lite.json")));
        // bf16 latent of 27 layers
        assertThat(f.kvBytesPerToken()).isEqualTo(27L * 576 * 2);
        assertThat(f.sparseLayers()).isEqualTo(26);
        assertThat(f.expertBytes()).isEqualTo(3L * 2048 * 1408 * 2);
    }

    @Test
    void rejectsUnsupportedRoutingWithTheFieldName() {
        ObjectNode c = resource("deepseek-v3.json");
        c.put("topk_method", "random");
        assertThatThrownBy(() -> ModelConfig.parse(c)).hasMessageContaining("topk_method 'random'");
        ObjectNode g = resource("deepseek-v3.json");
        g.put("n_group", 3);
        assertThatThrownBy(() -> ModelConfig.parse(g)).hasMessageContaining("n_group (3) must divide");
        ObjectNode s = resource("deepseek-v2-lite.json");
        s.put("scoring_func", "tanh");
        assertThatThrownBy(() -> ModelConfig.parse(s)).hasMessageContaining("scoring_func 'tanh'");
    }

    private static ObjectNode resource(String name) {
        try (InputStream in = DeepSeekConfigTests.class.getResourceAsStream("/model/configs/" + name)) {
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
