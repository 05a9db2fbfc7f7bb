package io.moeplatform.inference.lora;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/** Writes small PEFT adapter directories (adapter_config.json and fp32 tensors) and other safetensors files for tests. */
final class AdapterFiles {

    /** A tensor to write: its shape and its values (row-major). */
    record Entry(long[] shape, float[] values) {}

    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    AdapterFiles put(String name, int rows, int columns, float value) {
        float[] v = new float[rows * columns];
        java.util.Arrays.fill(v, value);
        tensors.put(name, new Entry(new long[]{rows, columns}, v));
        return this;
    }

    AdapterFiles put(String name, long[] shape, float[] values) {
        tensors.put(name, new Entry(shape, values));
        return this;
    }

    /** lora_A [r, in] and lora_B [out, r] of one module, e.g. {@code model.layers.0.self_attn.q_proj}. */
    AdapterFiles pair(String module, int rank, int in, int out) {
        put("base_model.model." + module + ".lora_A.weight", rank, in, 0.01f);
        return put("base_model.model." + module + ".lora_B.weight", out, rank, 0.02f);
    }

    Path write(Path directory, String config) throws IOException {
        Files.createDirectories(directory);
        Files.writeString(directory.resolve(PeftAdapterReader.CONFIG_FILE), config);
        writeSafetensors(directory.resolve(PeftAdapterReader.WEIGHTS_FILE));
        return directory;
    }

    /** The tensors as one fp32 safetensors file. */
    void writeSafetensors(Path file) throws IOException {
        StringJoiner header = new StringJoiner(",", "{", "}");
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long bytes = 4L * e.getValue().values().length;
            StringJoiner shape = new StringJoiner(",", "[", "]");
            for (long d : e.getValue().shape()) {
                shape.add(Long.toString(d));
            }
            header.add("\"" + e.getKey() + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":["
                    + offset + "," + (offset + bytes) + "]}");
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + (int) offset).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (Entry e : tensors.values()) {
            for (float f : e.values()) {
                out.putFloat(f);
            }
        }
        Files.write(file, out.array());
    }

    static String config(int rank, String extra) {
        return "{\"peft_type\": \"LORA\", \"r\": " + rank + ", \"lora_alpha\": 16, \"bias\": \"none\", "
                + "\"target_modules\": [\"q_proj\"]" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }
}
