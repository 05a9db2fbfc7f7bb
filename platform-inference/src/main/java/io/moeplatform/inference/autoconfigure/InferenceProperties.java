package io.moeplatform.inference.autoconfigure;

import io.moeplatform.inference.engine.Device;
import io.moeplatform.inference.engine.EngineOptions;
import io.moeplatform.inference.model.DemoModel;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The engine's settings, {@code platform.inference.*}.
 *
 * @param modelPath Hugging Face model directory to serve; empty serves the built-in demo model, created under
 *        {@code platform.data-dir} on first start
 * @param servedModelName the name clients put in {@code model}; empty uses the model directory's name
 * @param device {@code auto} (CUDA when available, else CPU), {@code cpu} or {@code cuda}
 * @param threads CPU backend threads; 0 uses every available processor
 * @param kvBlockSize tokens per paged KV-cache block
 * @param kvCacheMemory memory for the KV-cache pool; 0 lets the backend choose
 * @param maxBatchTokens token budget of one engine step (running decodes plus prefill chunks)
 * @param maxRunningSequences most sequences decoded together
 * @param maxQueuedRequests requests that may wait for admission; beyond this, requests are rejected as overloaded
 * @param queueTimeout longest wait for admission before a request fails as overloaded
 * @param prefixCaching share KV blocks of identical prompt prefixes (never across tenants or adapters)
 * @param gpuMemoryFraction on CUDA, the share of the GPU's memory the engine may hold (weights, scratch and the KV
 *        pool, which gets the rest when {@code kv-cache-memory} is 0)
 * @param dummyWeights generate random weights for the model's config.json instead of reading its safetensors
 *        (benchmarks at full size without the files; the output is meaningless text)
 */
@ConfigurationProperties("platform.inference")
public record InferenceProperties(@DefaultValue("") String modelPath, @DefaultValue("") String servedModelName,
        @DefaultValue("auto") Device device, @DefaultValue("0") int threads, @DefaultValue("16") int kvBlockSize,
        @DefaultValue("0B") DataSize kvCacheMemory, @DefaultValue("2048") int maxBatchTokens,
        @DefaultValue("64") int maxRunningSequences, @DefaultValue("256") int maxQueuedRequests,
        @DefaultValue("60s") Duration queueTimeout, @DefaultValue("true") boolean prefixCaching,
        @DefaultValue("0.90") double gpuMemoryFraction, @DefaultValue("false") boolean dummyWeights) {

    /**
     * The engine options these properties describe.
     *
     * @param dataDir {@code platform.data-dir}, where the demo model is created when no model path is set
     */
    public EngineOptions toEngineOptions(Path dataDir) {
        Path model = modelPath.isBlank() ? DemoModel.ensure(dataDir) : Path.of(modelPath.strip());
        Path absolute = model.toAbsolutePath().normalize();
        Path fileName = absolute.getFileName();
        String name = !servedModelName.isBlank()
                ? servedModelName.strip()
                : fileName != null ? fileName.toString() : absolute.toString();
        return new EngineOptions(absolute, name, device, threads, kvBlockSize, kvCacheMemory.toBytes(),
                maxBatchTokens, maxRunningSequences, maxQueuedRequests, queueTimeout, prefixCaching, dummyWeights,
                gpuMemoryFraction);
    }
}
