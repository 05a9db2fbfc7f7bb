package io.moeplatform.inference.lora;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Adapter directories derived from the golden ones, for tests in any package. */
public final class TestAdapters {

    private TestAdapters() {}

    /**
     * The same A and B as the qwen2_moe golden adapter under another scaling (lora_alpha 16 with rsLoRA instead of
     * 32 / r): a second, different adapter of the same model.
     */
    public static Path rescaledCopy(Path adapter, Path target) throws IOException {
        Files.createDirectories(target);
        Files.copy(adapter.resolve(PeftAdapterReader.WEIGHTS_FILE), target.resolve(PeftAdapterReader.WEIGHTS_FILE));
        String config = Files.readString(adapter.resolve(PeftAdapterReader.CONFIG_FILE))
                .replace("\"lora_alpha\": 32", "\"lora_alpha\": 16")
                .replace("\"use_rslora\": false", "\"use_rslora\": true");
        assertThat(config).contains("\"use_rslora\": true", "\"lora_alpha\": 16");
        Files.writeString(target.resolve(PeftAdapterReader.CONFIG_FILE), config);
        return target;
    }
}
