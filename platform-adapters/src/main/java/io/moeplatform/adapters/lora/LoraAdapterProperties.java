package io.moeplatform.adapters.lora;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * LoRA adapters of the platform ({@code platform.adapters.lora.*}); the engine's own limits (rank, adapters in
 * memory) are {@code platform.inference.lora.*}.
 *
 * @param dir where adapter files are stored, one directory per adapter version; empty means
 *     {@code ${platform.data-dir}/adapters/lora}. Replicas must share it (a shared volume in Kubernetes): any of
 *     them may be asked to apply an adapter another one stored.
 * @param maxUploadSize the largest upload (the zip), and the most its files may hold once unpacked
 */
@ConfigurationProperties("platform.adapters.lora")
public record LoraAdapterProperties(@DefaultValue("") String dir, @DefaultValue("512MB") DataSize maxUploadSize) {

    public LoraAdapterProperties {
        if (maxUploadSize.toBytes() < 1) {
            throw new IllegalArgumentException("platform.adapters.lora.max-upload-size must be positive");
        }
    }
}
