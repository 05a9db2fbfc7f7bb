package io.moeplatform.inference.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The kernel fatbin that the build compiled into the jar, and the build's note about it. The build script writes a
 * status file next to the fatbin, one line: "compiled ..." or the reason it did not compile.
 *
 * @param bytes
 *            the fatbin, or {@code null} when the build did not produce one
 * @param buildStatus
 *            the build's note, or a description of what is missing
 */
record KernelImage(byte @org.jspecify.annotations.Nullable [] bytes, String buildStatus) {

    static KernelImage read(String resource) {
        String statusResource = resource.replaceFirst("\\.fatbin$", "") + ".status";
        String status = readText(statusResource);
        byte[] bytes = readBytes(resource);
        if (status == null) {
            status = bytes == null ? "the jar has neither " + resource + " nor " + statusResource : "compiled";
        }
        return new KernelImage(bytes, status.strip());
    }

    boolean compiled() {
        return bytes != null && bytes.length > 0;
    }

    private static byte @org.jspecify.annotations.Nullable [] readBytes(String resource) {
        try (InputStream in = KernelImage.class.getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    private static @org.jspecify.annotations.Nullable String readText(String resource) {
        byte[] b = readBytes(resource);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}
