package io.moeplatform.inference.model;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads one {@code .safetensors} file: an 8-byte little-endian header length,
 * a JSON header {@code {name: {dtype, shape, data_offsets: [begin, end]}}}, then
 * the tensor bytes. The file is memory-mapped into the caller's arena and every
 * tensor is a zero-copy slice of the mapping.
 */
public final class SafetensorsFile {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Headers larger than this are not safetensors files (the format caps them at 100 MB). */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private SafetensorsFile() {}

    /** Maps {@code file} into {@code arena} and returns its tensors by name, in header order. */
    public static Map<String, WeightTensor> map(Path file, Arena arena) {
        MemorySegment mapped;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (IOException e) {
            throw new ModelLoadException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
        long size = mapped.byteSize();
        if (size < 8) {
            throw new ModelLoadException(file,
                    "truncated: " + size + " bytes, but a safetensors file starts with an 8-byte header length");
        }
        long headerLength = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN),
                0);
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
            throw new ModelLoadException(file, "bad header: header length " + headerLength
                    + " is not plausible; this is not a safetensors file");
        }
        if (8 + headerLength > size) {
            throw new ModelLoadException(file,
                    "truncated: the header needs " + (8 + headerLength) + " bytes but the file has " + size);
        }
        String headerText = new String(mapped.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE),
                StandardCharsets.UTF_8);
        JsonNode header;
        try {
            header = JSON.readTree(headerText);
        } catch (JacksonException e) {
            throw new ModelLoadException(file, "bad header: not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelLoadException(file, "bad header: expected a JSON object of tensors");
        }
        long dataStart = 8 + headerLength;
        Map<String, WeightTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : header.properties()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            tensors.put(name, tensor(file, mapped, dataStart, name, entry.getValue()));
        }
        return tensors;
    }

    private static WeightTensor tensor(Path file, MemorySegment mapped, long dataStart, String name, JsonNode info) {
        JsonNode dtypeNode = info.get("dtype");
        JsonNode shapeNode = info.get("shape");
        JsonNode offsets = info.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || !shapeNode.isArray() || offsets == null || !offsets.isArray()
                || offsets.size() != 2) {
            throw new ModelLoadException(file,
                    "bad header: tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
        }
        DType dtype = DType.fromSafetensors(dtypeNode.asString());
        if (dtype == null) {
            throw new ModelLoadException(file, "tensor '" + name + "' has dtype " + dtypeNode.asString()
                    + ", which this engine does not read; supported dtypes: " + DType.supported());
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
            if (shape[i] < 0) {
                throw new ModelLoadException(file, "bad header: tensor '" + name + "' has a negative dimension");
            }
            elements *= shape[i];
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end - begin != elements * dtype.bytes()) {
            throw new ModelLoadException(file, "bad header: tensor '" + name + "' has data_offsets [" + begin + ", "
                    + end + "] that do not hold " + elements + " " + dtype + " elements");
        }
        if (dataStart + end > mapped.byteSize()) {
            throw new ModelLoadException(file, "truncated: tensor '" + name + "' ends at byte " + (dataStart + end)
                    + " but the file has " + mapped.byteSize() + " bytes");
        }
        return new WeightTensor(name, dtype, shape, mapped.asSlice(dataStart + begin, end - begin), file);
    }
}
