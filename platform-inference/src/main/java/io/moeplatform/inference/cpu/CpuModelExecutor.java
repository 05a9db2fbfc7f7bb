package io.moeplatform.inference.cpu;

import io.moeplatform.inference.model.Checkpoint;
import io.moeplatform.inference.model.DecoderWeights;
import io.moeplatform.inference.model.GenerationConfig;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.ModelConfig;
import io.moeplatform.inference.model.ModelExecutor;
import io.moeplatform.inference.model.MoeDecoder;
import io.moeplatform.inference.model.RandomWeights;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import io.moeplatform.inference.model.WeightSource;
import java.nio.file.Path;

/**
 * A model loaded from a Hugging Face directory and run by the pure-Java
 * backend. Owns the mapped checkpoint (or dummy weights), the thread pool and
 * the KV pool; {@link #close()} releases all of them.
 */
public final class CpuModelExecutor implements ModelExecutor {

    /** Seed of dummy weights: the same config always gives the same model. */
    static final long DUMMY_SEED = 0x5EED_0F_D0_3AL;
    private static final long DEFAULT_KV_BYTES_CAP = 1L << 30;

    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final WeightSource weights;
    private final CpuBackend backend;
    private final MoeDecoder decoder;
    private final KvCacheGeometry geometry;

    private CpuModelExecutor(ModelConfig config, GenerationConfig generationConfig, WeightSource weights,
            CpuBackend backend, MoeDecoder decoder, KvCacheGeometry geometry) {
        this.config = config;
        this.generationConfig = generationConfig;
        this.weights = weights;
        this.backend = backend;
        this.decoder = decoder;
        this.geometry = geometry;
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
                ? new RandomWeights(DUMMY_SEED, modelDir)
                : Checkpoint.open(modelDir);
        CpuBackend backend = new CpuBackend(threads);
        try {
            DecoderWeights w = DecoderWeights.load(config, source, backend);
            KvCacheShape shape = new KvCacheShape(config.layers(), config.kvHeads(), config.headDim());
            int blocks = options.kvBlockCount() > 0 ? options.kvBlockCount() : defaultBlocks(config, shape, options);
            KvCacheGeometry geometry = backend.allocateKvCache(shape, options.kvBlockSize(), blocks);
            return new CpuModelExecutor(config, generation, source, backend, new MoeDecoder(config, w, backend),
                    geometry);
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

    /** The parsed config.json. */
    public ModelConfig config() {
        return config;
    }

    /** End-of-sequence and special token ids from generation_config.json. */
    public GenerationConfig generationConfig() {
        return generationConfig;
    }

    @Override
    public String architecture() {
        return config.architecture().modelType();
    }

    @Override
    public int vocabularySize() {
        return config.vocabularySize();
    }

    @Override
    public int contextLength() {
        return config.maxPositions();
    }

    @Override
    public String backend() {
        return backend.name();
    }

    @Override
    public KvCacheGeometry kvCacheGeometry() {
        return geometry;
    }

    @Override
    public StepResult forward(StepBatch batch) {
        for (SequenceSlice s : batch.slices()) {
            check(s);
        }
        if (batch.tokenCount() == 0) {
            return new StepResult(new float[0][]);
        }
        return decoder.forward(batch);
    }

    private void check(SequenceSlice s) {
        int end = s.startPosition() + s.tokenIds().length;
        if (s.tokenIds().length == 0 || s.startPosition() < 0) {
            throw new IllegalArgumentException("sequence " + s.sequenceId() + ": a slice needs at least one token "
                    + "and startPosition >= 0");
        }
        if (end > config.maxPositions()) {
            throw new IllegalArgumentException("sequence " + s.sequenceId() + ": " + end
                    + " positions exceed the context length " + config.maxPositions());
        }
        if ((long) s.blockTable().length * geometry.blockSize() < end) {
            throw new IllegalArgumentException("sequence " + s.sequenceId() + ": block table of "
                    + s.blockTable().length + " blocks does not cover " + end + " positions");
        }
        for (int b : s.blockTable()) {
            if (b < 0 || b >= geometry.blockCount()) {
                throw new IllegalArgumentException("sequence " + s.sequenceId() + ": block id " + b
                        + " is outside the KV pool of " + geometry.blockCount() + " blocks");
            }
        }
        for (int t : s.tokenIds()) {
            if (t < 0 || t >= config.vocabularySize()) {
                throw new IllegalArgumentException("sequence " + s.sequenceId() + ": token id " + t
                        + " is outside the vocabulary of " + config.vocabularySize());
            }
        }
        if (s.loraAdapterId() != null) {
            throw new IllegalArgumentException("sequence " + s.sequenceId() + ": LoRA adapters are not supported "
                    + "by the CPU backend yet");
        }
    }

    @Override
    public void close() {
        backend.close();
        weights.close();
    }
}
