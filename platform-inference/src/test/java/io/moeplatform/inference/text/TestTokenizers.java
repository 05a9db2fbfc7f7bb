package io.moeplatform.inference.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real Qwen3 and DeepSeek-V3 tokenizers from test resources, unpacked once
 * per JVM into a temporary model directory, and their golden files.
 */
final class TestTokenizers {

    static final String QWEN3 = "qwen3";
    static final String DEEPSEEK_V3 = "deepseek_v3";

    private static final java.util.Map<String, HfTokenizer> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private TestTokenizers() {}

    /**
     * The named tokenizer, loaded once per JVM and shared by test classes (loading
     * Qwen3's 11 MB tokenizer.json takes seconds); never closed, freed at exit.
     */
    static HfTokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> HfTokenizer.load(directory(n).resolve("tokenizer.json")));
    }

    /** A directory with tokenizer.json and tokenizer_config.json of the named tokenizer. */
    static synchronized Path directory(String name) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "moe-test-tokenizers-" + ProcessHandle.current().pid(),
                name);
        try {
            if (!Files.exists(dir.resolve("tokenizer.json"))) {
                Files.createDirectories(dir);
                try (InputStream config = resource("/tokenizers/" + name + "/tokenizer_config.json")) {
                    Files.copy(config, dir.resolve("tokenizer_config.json"));
                }
                Path partial = dir.resolve("tokenizer.json.part");
                try (InputStream json = new GZIPInputStream(resource("/tokenizers/" + name + "/tokenizer.json.gz"))) {
                    Files.copy(json, partial);
                }
                Files.move(partial, dir.resolve("tokenizer.json"));
                dir.toFile().deleteOnExit();
                dir.resolve("tokenizer.json").toFile().deleteOnExit();
                dir.resolve("tokenizer_config.json").toFile().deleteOnExit();
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode golden(String name) {
        try (InputStream in = resource("/golden/templates/tokenizer-" + name + ".json")) {
            return JsonMapper.shared().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = array.get(i).asInt();
        }
        return ids;
    }

    static InputStream resource(String path) {
        InputStream in = TestTokenizers.class.getResourceAsStream(path);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + path);
        }
        return in;
    }
}
