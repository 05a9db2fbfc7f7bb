package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The roofline inputs against the tiny qwen3_moe golden config, counted by hand. */
class ModelFootprintTests {

    private static ModelConfig config() throws URISyntaxException {
        return ModelConfig.read(Path.of(ModelFootprintTests.class.getResource("/golden/models/qwen3_moe").toURI()));
    }

    @Test
    void bytesAndFlopsFollowTheConfig() throws URISyntaxException {
        ModelConfig c = config();
        ModelFootprint f = ModelFootprint.of(c);
        long h = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        assertThat(f.expertBytes()).isEqualTo(3 * h * c.expertIntermediateSize() * 2);
        assertThat(f.kvBytesPerToken()).isEqualTo(2L * c.layers() * kv * 2);
        // 3 layers; layer 1 is dense (mlp_only_layers), layers 0 and 2 route to experts
        assertThat(c.layers()).isEqualTo(3);
        assertThat(c.isSparse(1)).isFalse();
        long attention = 2 * h * q + 2 * h * kv;
        long router = (long) c.experts() * h;
        long denseMlp = 3 * h * c.intermediateSize();
        assertThat(f.sparseLayers()).isEqualTo(2);
        assertThat(f.nonExpertBytes()).isEqualTo(
                (3 * (attention + 2 * h) + 2 * router + denseMlp + (long) c.vocabularySize() * h + h) * 2);
        long active = 3 * attention + 2 * (router + (long) c.expertsPerToken() * 3 * h * c.expertIntermediateSize())
                + denseMlp;
        assertThat(f.activeLayerParams()).isEqualTo(active);
        assertThat(f.prefillFlops(10)).isCloseTo(2.0 * active * 10 + 2.0 * 100 * q * c.layers()
                + 2.0 * c.vocabularySize() * h, within(1e-6));
    }

    @Test
    void expectedExpertsGrowFromTopKToAllExperts() throws URISyntaxException {
        ModelFootprint f = ModelFootprint.of(config());
        assertThat(f.expectedExpertsPerLayer(1)).isCloseTo(f.expertsPerToken(), within(1e-9));
        assertThat(f.expectedExpertsPerLayer(10_000)).isCloseTo(f.experts(), within(1e-6));
        assertThat(f.decodeStepBytes(2, 3, 100)).isCloseTo(f.nonExpertBytes() + 3.0 * f.sparseLayers()
                * f.expertBytes() + 200.0 * f.kvBytesPerToken(), within(1e-3));
    }
}
