package io.moeplatform.inference.model;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes tensors as one {@code .safetensors} file: 8-byte little-endian header
 * length, JSON header padded with spaces to a multiple of 8, then the tensors'
 * bytes back to back in the given order.
 */
public final class SafetensorsWriter {

    private SafetensorsWriter() {}

    public static void write(Path file, List<WeightTensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (WeightTensor t : tensors) {
            long size = t.data().byteSize();
            header.put(t.name(), Map.of("dtype", t.dtype().name(), "shape", t.shape(), "data_offsets",
                    List.of(offset, offset + size)));
            offset += size;
        }
        byte[] json = JsonMapper.builder().build().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (WeightTensor t : tensors) {
                out.write(t.data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
