package io.moeplatform.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoModelTests {

    @TempDir
    Path dataDir;

    private static final Function<String, @Nullable InputStream> TOKENIZER = name -> new ByteArrayInputStream(
            ("{\"file\": \"" + name + "\"}").getBytes(StandardCharsets.UTF_8));

    @Test
    void createsTheModelDirectoryOnceAndReusesIt() throws IOException {
        Path dir = DemoModel.ensure(dataDir, TOKENIZER);
        assertThat(dir).isEqualTo(dataDir.resolve("models/moe-demo"));
        assertThat(dir.resolve("tokenizer.json")).hasContent("{\"file\": \"tokenizer.json\"}");
        assertThat(dir.resolve("tokenizer_config.json")).exists();
        long modified = Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        assertThat(DemoModel.ensure(dataDir, name -> null)).isEqualTo(dir);
        assertThat(Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis()).isEqualTo(modified);
        try (Stream<Path> entries = Files.list(dataDir.resolve("models"))) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("moe-demo");
        }
    }

    @Test
    void hasTheDocumentedShapeAndTokens() {
        Path dir = DemoModel.ensure(dataDir, TOKENIZER);
        ModelConfig c = ModelConfig.read(dir);
        assertThat(c.architecture()).isEqualTo(Architecture.QWEN3_MOE);
        assertThat(List.of(c.vocabularySize(), c.hiddenSize(), c.layers(), c.heads(), c.headDim(), c.kvHeads(),
                c.experts(), c.expertsPerToken(), c.expertIntermediateSize(), c.intermediateSize(), c.maxPositions()))
                .containsExactly(512, 256, 4, 8, 32, 4, 16, 4, 128, 512, 4096);
        assertThat(c.normalizeTopK()).isTrue();
        assertThat(c.rope().theta()).isEqualTo(1e6);
        GenerationConfig g = GenerationConfig.read(dir, c);
        assertThat(g.eosTokenIds()).containsExactly(258, 256);
        assertThat(g.padTokenId()).isEqualTo(256);
        assertThat(g.bosTokenId()).isNull();
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            for (TensorSpec spec : DecoderWeights.specs(c)) {
                assertThat(checkpoint.tensor(spec).dtype()).isEqualTo(DType.BF16);
            }
        }
    }

    @Test
    void weightsAreTheSameOnEveryMachine() throws IOException {
        Path a = Files.createDirectory(dataDir.resolve("a"));
        Path b = Files.createDirectory(dataDir.resolve("b"));
        DemoModel.writeModelFiles(a);
        DemoModel.writeModelFiles(b);
        assertThat(Files.mismatch(a.resolve("model.safetensors"), b.resolve("model.safetensors"))).isEqualTo(-1L);
    }

    @Test
    void failsClearlyWithoutTheTokenizerResourcesAndLeavesNothingBehind() throws IOException {
        assertThatThrownBy(() -> DemoModel.ensure(dataDir, name -> null)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/io/moeplatform/inference/demo/tokenizer.json").hasMessageContaining(
                        "missing");
        try (Stream<Path> entries = Files.list(dataDir.resolve("models"))) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void usesTheTokenizerOnTheClasspathWhenTheTextModuleProvidesIt() {
        boolean present = DemoModel.class.getResource(DemoModel.RESOURCES + "tokenizer.json") != null;
        if (present) {
            assertThat(DemoModel.ensure(dataDir).resolve("tokenizer.json")).isNotEmptyFile();
        } else {
            assertThatThrownBy(() -> DemoModel.ensure(dataDir)).hasMessageContaining("ships with the text module");
        }
    }
}
