package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.Checkpoint;
import io.moeplatform.inference.model.Decoder;
import io.moeplatform.inference.model.DecoderModelExecutor;
import io.moeplatform.inference.model.DecoderWeights;
import io.moeplatform.inference.model.DeepSeekConfig;
import io.moeplatform.inference.model.DeepSeekDecoder;
import io.moeplatform.inference.model.DeepSeekWeights;
import io.moeplatform.inference.model.GenerationConfig;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.ModelConfig;
import io.moeplatform.inference.model.MoeDecoder;
import io.moeplatform.inference.model.RandomWeights;
import io.moeplatform.inference.model.WeightSource;
import java.nio.file.Path;

/**
 * A model loaded from a Hugging Face directory and run by the pure-Java
 * backend. Owns the mapped checkpoint (or dummy weights), the thread pool and
 * the KV pool; {@link #close()} releases all of them.
 */
public final class CpuModelExecutor extends DecoderModelExecutor {

    private static final long DEFAULT_KV_BYTES_CAP = 1L << 30;

    private final WeightSource weights;

    private CpuModelExecutor(ModelConfig config, GenerationConfig generationConfig, WeightSource weights,
            CpuBackend backend, Decoder decoder, KvCacheGeometry geometry) {
        super(config, generationConfig, backend, decoder, geometry);
        this.weights = weights;
    }

    /**
     * Loads {@code modelDir}. Every problem of the directory (missing or corrupt
     * files, unknown architecture, missing tensors, wrong shapes or dtypes) fails
     * here with one {@link io.moeplatform.inference.model.ModelLoadException}
     * that names the file and the problem.
     */
    public static CpuModelExecutor open(Path modelDir, CpuExecutorOptions options) {
        ModelConfig config = ModelConfig.read(modelDir);
        GenerationConfig generation = GenerationConfig.read(modelDir, config);
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        WeightSource source = options.dummyWeights()
                ? new RandomWeights(DecoderModelExecutor.DUMMY_SEED, modelDir)
                : Checkpoint.open(modelDir);
        CpuBackend backend = new CpuBackend(threads);
        try {
            Decoder decoder;
            KvCacheShape shape;
            DeepSeekConfig deepSeek = config.deepSeek();
            if (deepSeek != null) {
                // MLA: the cache keeps one latent [kv_lora_rank + qk_rope_head_dim] per token and layer
                decoder = new DeepSeekDecoder(config, DeepSeekWeights.load(config, source, backend), backend);
                shape = KvCacheShape.latent(config.layers(), deepSeek.attention().latentWidth());
            } else {
                decoder = new MoeDecoder(config, DecoderWeights.load(config, source, backend), backend,
                        backend.lowRankUpdates());
                shape = new KvCacheShape(config.layers(), config.kvHeads(), config.headDim());
            }
            int blocks = options.kvBlockCount() > 0 ? options.kvBlockCount() : defaultBlocks(config, shape, options);
            KvCacheGeometry geometry = backend.allocateKvCache(shape, options.kvBlockSize(), blocks);
            return new CpuModelExecutor(config, generation, source, backend, decoder, geometry);
        } catch (RuntimeException e) {
            backend.close();
            source.close();
            throw e;
        }
    }

    private static int defaultBlocks(ModelConfig config, KvCacheShape shape, CpuExecutorOptions options) {
        long bytesPerBlock = shape.bytesPerToken() * options.kvBlockSize();
        long bytes = options.kvCacheBytes();
        if (bytes == 0) {
            // four full-length sequences, capped
            long blocksPerSequence = (config.maxPositions() + options.kvBlockSize() - 1) / options.kvBlockSize();
            bytes = Math.min(DEFAULT_KV_BYTES_CAP, 4 * blocksPerSequence * bytesPerBlock);
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / bytesPerBlock));
    }

    @Override
    public boolean supportsLoraAdapters() {
        // LoRA updates hook MoeDecoder's projections; the DeepSeek decoder has none of them yet
        return config().deepSeek() == null;
    }

    @Override
    protected void releaseResources() {
        // the checkpoint's mapping (or the dummy weights) backs the CPU backend's weight tensors
        weights.close();
    }
}
