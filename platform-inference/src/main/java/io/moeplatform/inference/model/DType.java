package io.moeplatform.inference.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Element types of stored weights that the engine reads (safetensors spelling). */
public enum DType {
    BF16(2), F16(2), F32(4);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The dtype for a safetensors {@code dtype} string, or null when the engine cannot read it. */
    static DType fromSafetensors(String name) {
        for (DType d : values()) {
            if (d.name().equals(name)) {
                return d;
            }
        }
        return null;
    }

    static String supported() {
        return Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));
    }
}
