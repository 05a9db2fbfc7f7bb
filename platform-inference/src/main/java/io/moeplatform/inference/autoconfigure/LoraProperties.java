package io.moeplatform.inference.autoconfigure;

import io.moeplatform.inference.lora.LoraOptions;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * LoRA settings of the engine, {@code platform.inference.lora.*}.
 *
 * @param maxLoaded adapters kept in memory at once; the least recently used unpinned one is dropped beyond it
 * @param maxRank highest rank {@code r} an adapter may have
 */
@ConfigurationProperties("platform.inference.lora")
public record LoraProperties(@DefaultValue("8") int maxLoaded, @DefaultValue("64") int maxRank) {

    public LoraOptions toOptions() {
        return new LoraOptions(maxLoaded, maxRank);
    }
}
