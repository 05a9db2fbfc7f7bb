package io.moeplatform.inference.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The safetensors weights of a Hugging Face model directory: one
 * {@code model.safetensors}, or shards listed by
 * {@code model.safetensors.index.json}, or (without index) every
 * {@code *.safetensors} file of the directory. All files are memory-mapped into
 * one arena that this checkpoint owns; closing it unmaps them.
 */
public final class Checkpoint implements WeightSource {

    static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final Arena arena;
    private final Map<String, WeightTensor> tensors;

    private Checkpoint(Path directory, Arena arena, Map<String, WeightTensor> tensors) {
        this.directory = directory;
        this.arena = arena;
        this.tensors = tensors;
    }

    /** Maps the weights of {@code directory}; fails with one message naming the file and the problem. */
    public static Checkpoint open(Path directory) {
        Arena arena = Arena.ofShared();
        try {
            Map<String, WeightTensor> tensors = new HashMap<>();
            Map<String, Path> expectedFile = new HashMap<>();
            for (Path file : files(directory, expectedFile)) {
                tensors.putAll(SafetensorsFile.map(file, arena));
            }
            for (Map.Entry<String, Path> e : expectedFile.entrySet()) {
                WeightTensor t = tensors.get(e.getKey());
                if (t == null || !t.file().equals(e.getValue())) {
                    throw new ModelLoadException(e.getValue(), "tensor '" + e.getKey() + "' is listed for this file in "
                            + INDEX_FILE + " but the file does not contain it");
                }
            }
            return new Checkpoint(directory, arena, tensors);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static List<Path> files(Path directory, Map<String, Path> expectedFile) {
        Path index = directory.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            JsonNode weightMap;
            try {
                weightMap = JsonMapper.builder().build().readTree(index.toFile()).get("weight_map");
            } catch (JacksonException e) {
                throw new ModelLoadException(index, "not valid JSON (" + e.getOriginalMessage() + ")", e);
            }
            if (weightMap == null || !weightMap.isObject()) {
                throw new ModelLoadException(index, "has no \"weight_map\" object of tensor name to shard file");
            }
            Set<Path> shards = new LinkedHashSet<>();
            for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
                Path shard = directory.resolve(e.getValue().asString());
                if (!Files.isRegularFile(shard)) {
                    throw new ModelLoadException(shard, "missing: " + INDEX_FILE + " lists it for tensor '"
                            + e.getKey() + "'; copy the complete checkpoint");
                }
                shards.add(shard);
                expectedFile.put(e.getKey(), shard);
            }
            return new ArrayList<>(shards);
        }
        try (Stream<Path> list = Files.list(directory)) {
            List<Path> files = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted()
                    .toList();
            if (files.isEmpty()) {
                throw new ModelLoadException(directory,
                        "no *.safetensors weights found; copy the checkpoint's safetensors files (and "
                                + INDEX_FILE + " when sharded) into this directory");
            }
            return files;
        } catch (IOException e) {
            throw new ModelLoadException(directory, "cannot list directory (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public WeightTensor tensor(TensorSpec spec) {
        WeightTensor t = tensors.get(spec.name());
        if (t == null) {
            throw new ModelLoadException(directory, "tensor '" + spec.name() + "' is missing from the checkpoint "
                    + "(expected shape " + Arrays.toString(spec.shape()) + "); is the download complete?");
        }
        if (!Arrays.equals(t.shape(), spec.shape())) {
            throw new ModelLoadException(t.file(), "tensor '" + spec.name() + "' has shape "
                    + Arrays.toString(t.shape()) + " but config.json implies " + Arrays.toString(spec.shape()));
        }
        return t;
    }

    /** Stored shape of tensor {@code name}, or an exception naming the directory when it is absent. */
    public long[] shape(String name) {
        WeightTensor t = tensors.get(name);
        if (t == null) {
            throw new ModelLoadException(directory, "tensor '" + name + "' is missing from the checkpoint");
        }
        return t.shape().clone();
    }

    /** Names of all stored tensors. */
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public void close() {
        arena.close();
    }
}
