package io.moeplatform.adapters.testing;

import io.moeplatform.inference.model.DType;
import io.moeplatform.inference.model.SafetensorsWriter;
import io.moeplatform.inference.model.WeightTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * PEFT LoRA adapters for the demo model (qwen3_moe: 4 layers, hidden 256, 8 query and 4 key/value heads of 32), as
 * {@code save_pretrained} lays them out, zipped for upload. The weights are seeded random numbers with a non-zero B,
 * large enough that greedy decoding changes.
 */
public final class DemoLoraAdapter {

    public static final int LAYERS = 4;
    public static final int HIDDEN = 256;
    public static final int KV = 128;

    private final Map<String, WeightTensor> tensors = new LinkedHashMap<>();
    private String config;

    private DemoLoraAdapter(String config) {
        this.config = config;
    }

    /** Rank {@code rank} on q_proj, k_proj, v_proj and o_proj of every layer, lora_alpha 2r. */
    public static DemoLoraAdapter attention(int rank, long seed) {
        var adapter = new DemoLoraAdapter(config(rank));
        var random = new SplittableRandom(seed);
        for (int layer = 0; layer < LAYERS; layer++) {
            adapter.pair(layer, "q_proj", rank, HIDDEN, HIDDEN, random);
            adapter.pair(layer, "k_proj", rank, HIDDEN, KV, random);
            adapter.pair(layer, "v_proj", rank, HIDDEN, KV, random);
            adapter.pair(layer, "o_proj", rank, HIDDEN, HIDDEN, random);
        }
        return adapter;
    }

    public static String config(int rank) {
        return """
                {"peft_type": "LORA", "r": %d, "lora_alpha": %d, "bias": "none", "lora_dropout": 0.0,
                 "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"], "task_type": "CAUSAL_LM"}"""
                .formatted(rank, 2 * rank);
    }

    private void pair(int layer, String module, int rank, int in, int out, SplittableRandom random) {
        String prefix = "base_model.model.model.layers." + layer + ".self_attn." + module;
        tensor(prefix + ".lora_A.weight", new long[]{rank, in}, random, 0.3f);
        tensor(prefix + ".lora_B.weight", new long[]{out, rank}, random, 0.3f);
    }

    /** Adds (or replaces) a tensor of uniform random values in [-scale, scale). */
    public DemoLoraAdapter tensor(String name, long[] shape, SplittableRandom random, float scale) {
        float[] values = new float[Math.toIntExact(shape[0] * shape[1])];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        tensors.put(name, new WeightTensor(name, DType.F32, shape, MemorySegment.ofArray(values), Path.of(name)));
        return this;
    }

    public DemoLoraAdapter withConfig(String json) {
        this.config = json;
        return this;
    }

    /** The two files, by name. */
    public Map<String, byte[]> files() {
        try {
            Path file = Files.createTempFile("demo-lora", ".safetensors");
            try {
                SafetensorsWriter.write(file, new ArrayList<>(tensors.values()), Map.of("format", "pt"));
                var files = new LinkedHashMap<String, byte[]>();
                files.put("adapter_config.json", config.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                files.put("adapter_model.safetensors", Files.readAllBytes(file));
                return files;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The adapter zipped at the top of the archive. */
    public byte[] zip() {
        return zip(files());
    }

    /** Writes the two files into {@code directory} (for registering with the engine directly). */
    public Path writeTo(Path directory) throws IOException {
        Files.createDirectories(directory);
        for (var file : files().entrySet()) {
            Files.write(directory.resolve(file.getKey()), file.getValue());
        }
        return directory;
    }

    /** A zip of the given entries (names may contain folders). */
    public static byte[] zip(Map<String, byte[]> entries) {
        var bytes = new ByteArrayOutputStream();
        try (var zip = new ZipOutputStream(bytes)) {
            for (var entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The names of the tensors, in file order. */
    public List<String> tensorNames() {
        return List.copyOf(tensors.keySet());
    }
}
