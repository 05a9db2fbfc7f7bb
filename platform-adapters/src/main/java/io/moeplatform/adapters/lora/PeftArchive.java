package io.moeplatform.adapters.lora;

import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.inference.lora.PeftAdapterReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * An uploaded PEFT adapter: a zip holding {@code adapter_config.json} and {@code adapter_model.safetensors}, at its
 * top or in one folder (as {@code zip -r} of a {@code save_pretrained} directory gives). Other files (README.md,
 * training state) are ignored. Only the two files are written, under fixed names, so entry names never choose a
 * path; what is unpacked is counted against the same limit as the upload, so a zip bomb stops at the limit.
 */
final class PeftArchive {

    static final List<String> FILES = List.of(PeftAdapterReader.CONFIG_FILE, PeftAdapterReader.WEIGHTS_FILE);

    /** What {@link #unpack} wrote: the two files' bytes and the weights' SHA-256. */
    record Unpacked(long sizeBytes, String weightsSha256) {}

    private PeftArchive() {}

    /**
     * Copies the upload to {@code zipFile}, stopping at {@code limit} bytes.
     *
     * @throws LoraUploadTooLargeException when the upload is larger
     */
    static void receive(InputStream upload, Path zipFile, long limit) throws IOException {
        try (OutputStream out = Files.newOutputStream(zipFile)) {
            copy(upload, out, limit, limit, "The upload");
        }
    }

    /**
     * Unpacks the two adapter files of {@code zipFile} into {@code directory}.
     *
     * @throws AdapterException INVALID when the file is not a zip, or lacks or repeats one of the two files
     * @throws LoraUploadTooLargeException when the unpacked files are larger than {@code limit}
     */
    static Unpacked unpack(Path zipFile, Path directory, long limit) throws IOException {
        try (ZipFile zip = new ZipFile(zipFile.toFile())) {
            Map<String, ZipEntry> entries = adapterEntries(zip);
            long remaining = limit;
            String sha256 = "";
            for (String name : FILES) {
                MessageDigest digest = sha256();
                try (InputStream in = zip.getInputStream(entries.get(name));
                        OutputStream out = new DigestOutputStream(Files.newOutputStream(directory.resolve(name)),
                                digest)) {
                    remaining -= copy(in, out, remaining, limit, "The unpacked adapter");
                }
                if (name.equals(PeftAdapterReader.WEIGHTS_FILE)) {
                    sha256 = HexFormat.of().formatHex(digest.digest());
                }
            }
            return new Unpacked(limit - remaining, sha256);
        } catch (ZipException e) {
            throw AdapterException.invalid("The upload is not a readable zip archive (" + e.getMessage() + "); send "
                    + "adapter_config.json and adapter_model.safetensors zipped, with Content-Type: application/zip.",
                    "file");
        }
    }

    private static Map<String, ZipEntry> adapterEntries(ZipFile zip) {
        Map<String, List<ZipEntry>> found = new LinkedHashMap<>();
        List<String> others = new ArrayList<>();
        zip.stream().filter(e -> !e.isDirectory()).forEach(entry -> {
            String path = entry.getName().replace('\\', '/');
            String folder = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
            String file = path.substring(path.lastIndexOf('/') + 1);
            if (FILES.contains(file) && !folder.contains("/")) {
                found.computeIfAbsent(file, f -> new ArrayList<>()).add(entry);
            } else {
                others.add(file);
            }
        });
        Map<String, ZipEntry> entries = new LinkedHashMap<>();
        for (String name : FILES) {
            List<ZipEntry> candidates = found.getOrDefault(name, List.of());
            if (candidates.isEmpty()) {
                String hint = name.equals(PeftAdapterReader.WEIGHTS_FILE) && others.contains("adapter_model.bin")
                        ? "; adapter_model.bin (pickle) is not accepted, save the adapter with safe_serialization=True"
                        : "; put it at the top of the zip or in one folder";
                throw AdapterException.invalid("The zip holds no " + name + hint + ".", name);
            }
            if (candidates.size() > 1) {
                throw AdapterException.invalid("The zip holds " + candidates.size() + " files named " + name + " ("
                        + String.join(", ", candidates.stream().map(ZipEntry::getName).toList())
                        + "); upload one adapter per zip.", name);
            }
            entries.put(name, candidates.getFirst());
        }
        String configFolder = folder(entries.get(PeftAdapterReader.CONFIG_FILE));
        if (!configFolder.equals(folder(entries.get(PeftAdapterReader.WEIGHTS_FILE)))) {
            throw AdapterException.invalid("adapter_config.json and adapter_model.safetensors must be in the same "
                    + "folder of the zip.", "file");
        }
        return entries;
    }

    private static String folder(ZipEntry entry) {
        String path = entry.getName().replace('\\', '/');
        return path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
    }

    /** Copies at most {@code allowed} bytes; more is refused as above {@code limit}. */
    private static long copy(InputStream in, OutputStream out, long allowed, long limit, String what)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        for (int n; (n = in.read(buffer)) >= 0;) {
            total += n;
            if (total > allowed) {
                throw new LoraUploadTooLargeException(what, limit);
            }
            out.write(buffer, 0, n);
        }
        return total;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
