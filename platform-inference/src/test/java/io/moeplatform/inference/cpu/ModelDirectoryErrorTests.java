package io.moeplatform.inference.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.inference.model.Checkpoint;
import io.moeplatform.inference.model.GoldenCase;
import io.moeplatform.inference.model.ModelLoadException;
import io.moeplatform.inference.model.SafetensorsWriter;
import io.moeplatform.inference.model.TensorSpec;
import io.moeplatform.inference.model.WeightTensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broken model directory fails at load with one message that names the file and the problem. */
class ModelDirectoryErrorTests {

    private static final String EXPERT = "model.layers.2.mlp.experts.7.down_proj.weight";

    @TempDir
    Path temp;

    @Test
    void namesAMissingTensor() throws IOException {
        Path dir = copy("qwen3_moe");
        rewrite(dir, tensors -> {
            tensors.removeIf(t -> t.name().equals(EXPERT));
            return tensors;
        });
        assertLoadFails(dir).hasMessageContaining(dir.toString()).hasMessageContaining("'" + EXPERT + "' is missing");
    }

    @Test
    void namesATensorWithTheWrongShape() throws IOException {
        Path dir = copy("qwen3_moe");
        rewrite(dir, tensors -> tensors.stream().map(t -> t.name().equals(EXPERT)
                ? new WeightTensor(t.name(), t.dtype(), new long[]{40, 64}, t.data(), t.file())
                : t).toList());
        assertLoadFails(dir).hasMessageContaining("model.safetensors").hasMessageContaining(
                "'" + EXPERT + "' has shape [40, 64] but config.json implies [64, 40]");
    }

    @Test
    void namesAnUnsupportedDtype() throws IOException {
        Path dir = copy("qwen3_moe");
        Path file = dir.resolve("model.safetensors");
        String header = "{\"" + EXPERT + "\":{\"dtype\":\"F8_E4M3\",\"shape\":[64,40],\"data_offsets\":[0,2560]}}";
        writeRaw(file, header, 2560);
        assertLoadFails(dir).hasMessageContaining(file.toString()).hasMessageContaining("dtype F8_E4M3")
                .hasMessageContaining("supported dtypes: BF16, F16, F32");
    }

    @Test
    void namesATruncatedFile() throws IOException {
        Path dir = copy("qwen3_moe");
        Path file = dir.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() / 2);
        }
        assertLoadFails(dir).hasMessageContaining(file.toString()).hasMessageContaining("truncated");
    }

    @Test
    void namesABadHeader() throws IOException {
        Path dir = copy("qwen3_moe");
        Path file = dir.resolve("model.safetensors");
        writeRaw(file, "{\"a\": [1, 2", 0);
        assertLoadFails(dir).hasMessageContaining(file.toString()).hasMessageContaining("bad header");
        Files.write(file, "not a safetensors file at all".getBytes(StandardCharsets.UTF_8));
        assertLoadFails(dir).hasMessageContaining("bad header");
    }

    @Test
    void listsTheSupportedArchitecturesForAnUnknownModelType() throws IOException {
        Path dir = copy("qwen3_moe");
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"qwen3_moe\"", "\"llama\""));
        assertLoadFails(dir).hasMessageContaining(config.toString()).hasMessageContaining("'llama' is not supported")
                .hasMessageContaining("qwen3_moe, qwen2_moe, mixtral, olmoe");
    }

    @Test
    void namesAMissingShardOfAnIndexedCheckpoint() throws IOException {
        Path dir = copy("qwen3_moe_yarn_sharded");
        Path shard = dir.resolve("model-00002-of-00003.safetensors");
        Files.delete(shard);
        assertLoadFails(dir).hasMessageContaining(shard.toString()).hasMessageContaining("missing");
    }

    @Test
    void namesAMissingConfigAndMissingWeights() throws IOException {
        Path dir = copy("qwen3_moe");
        Files.delete(dir.resolve("model.safetensors"));
        assertLoadFails(dir).hasMessageContaining(dir.toString()).hasMessageContaining("no *.safetensors");
        Files.delete(dir.resolve("config.json"));
        assertLoadFails(dir).hasMessageContaining(dir.resolve("config.json").toString()).hasMessageContaining(
                "missing");
    }

    private AbstractThrowableAssert<?, ? extends Throwable> assertLoadFails(Path dir) {
        var failure = assertThatThrownBy(() -> CpuModelExecutor.open(dir, new CpuExecutorOptions(1, 16, 0, 4, false)))
                .isInstanceOf(ModelLoadException.class);
        failure.satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        return failure;
    }

    private Path copy(String name) throws IOException {
        Path source = GoldenCase.load(name).directory();
        Path target = temp.resolve(name);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    private static void rewrite(Path dir, UnaryOperator<List<WeightTensor>> change) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Path rewritten = dir.resolve("rewritten.tmp");
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            List<WeightTensor> tensors = new ArrayList<>();
            for (String name : checkpoint.names().stream().sorted().toList()) {
                tensors.add(checkpoint.tensor(new TensorSpec(name, checkpoint.shape(name), TensorSpec.Role.MATRIX)));
            }
            SafetensorsWriter.write(rewritten, change.apply(tensors), Map.of("format", "pt"));
        }
        Files.move(rewritten, file, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeRaw(Path file, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[8 + h.length + dataBytes];
        MemorySegment.ofArray(out).set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, h.length);
        System.arraycopy(h, 0, out, 8, h.length);
        Files.write(file, out);
    }
}
