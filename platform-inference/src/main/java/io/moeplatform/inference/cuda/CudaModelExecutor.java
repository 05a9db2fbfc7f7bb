package io.moeplatform.inference.cuda;

import io.moeplatform.inference.model.Checkpoint;
import io.moeplatform.inference.model.DecoderModelExecutor;
import io.moeplatform.inference.model.DecoderWeights;
import io.moeplatform.inference.model.GenerationConfig;
import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.KvCacheShape;
import io.moeplatform.inference.model.ModelConfig;
import io.moeplatform.inference.model.MoeDecoder;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import io.moeplatform.inference.model.WeightSource;
import java.nio.file.Path;

/**
 * A model loaded from a Hugging Face directory onto one GPU and run by {@link CudaBackend}. Owns the context, the
 * device weights and the KV pool; {@link #close()} releases all of them. The checkpoint's files are only read while
 * loading.
 */
public final class CudaModelExecutor extends DecoderModelExecutor {

    private static final long DEFAULT_KV_BYTES_CAP = 16L << 30;

    private final CudaContext context;
    private final CudaBackend backend;
    private final LoadReport loadReport;

    /**
     * What loading took.
     *
     * @param weightBytes
     *            bf16 bytes copied to the device
     * @param seconds
     *            wall time of the whole load (reading or generating weights, conversion, copies)
     * @param uploadSeconds
     *            time inside the uploader (staging and copies, including reading mapped pages)
     */
    public record LoadReport(long weightBytes, double seconds, double uploadSeconds) {
        public double gigabytesPerSecond() {
            return weightBytes / 1e9 / seconds;
        }
    }

    private CudaModelExecutor(ModelConfig config, GenerationConfig generationConfig, CudaContext context,
            CudaBackend backend, MoeDecoder decoder, KvCacheGeometry geometry, LoadReport loadReport) {
        super(config, generationConfig, backend, decoder, geometry);
        this.context = context;
        this.backend = backend;
        this.loadReport = loadReport;
    }

    /**
     * Loads {@code modelDir} onto the GPU.
     *
     * @throws CudaUnavailableException
     *             with {@link CudaAvailability}'s reason when the backend cannot run here
     * @throws io.moeplatform.inference.model.ModelLoadException
     *             for problems of the model directory (as the CPU executor)
     */
    public static CudaModelExecutor open(Path modelDir, CudaExecutorOptions options) {
        CudaAvailability.ensureAvailability();
        ModelConfig config = ModelConfig.read(modelDir);
        GenerationConfig generation = GenerationConfig.read(modelDir, config);
        long start = System.nanoTime();
        CudaContext context = CudaContext.open(options.device());
        CudaBackend backend = null;
        try (WeightSource source = options.dummyWeights()
                ? new DeviceRandomWeights(DecoderModelExecutor.DUMMY_SEED, modelDir)
                : Checkpoint.open(modelDir)) {
            backend = new CudaBackend(context, options.maxBatchTokens(), options.maxSequences(),
                    config.maxPositions());
            if (source instanceof DeviceRandomWeights generated) {
                backend.generateOnDevice(generated);
            }
            DecoderWeights w = DecoderWeights.load(config, source, backend);
            backend.finishLoading();
            LoadReport report = new LoadReport(backend.uploadedBytes(), (System.nanoTime() - start) / 1e9,
                    backend.uploadSeconds());
            KvCacheShape shape = new KvCacheShape(config.layers(), config.kvHeads(), config.headDim());
            int blocks = options.kvBlockCount() > 0 ? options.kvBlockCount() : defaultBlocks(context, shape, options);
            KvCacheGeometry geometry = backend.allocateKvCache(shape, options.kvBlockSize(), blocks);
            return new CudaModelExecutor(config, generation, context, backend, new MoeDecoder(config, w, backend),
                    geometry, report);
        } catch (RuntimeException e) {
            if (backend != null) {
                backend.close();
            }
            context.close();
            throw e;
        }
    }

    private static int defaultBlocks(CudaContext context, KvCacheShape shape, CudaExecutorOptions options) {
        long bytesPerBlock = CudaBackend.bytesPerBlock(shape, options.kvBlockSize());
        long bytes = options.kvCacheBytes();
        if (bytes == 0) {
            bytes = Math.min(DEFAULT_KV_BYTES_CAP, context.memoryInfo()[0] / 4);
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / bytesPerBlock));
    }

    /**
     * Runs the step; when capturing its CUDA graph failed, switches graphs off (the backend logs why) and runs the
     * step again eagerly. Repeating a step is safe: it writes the same K/V rows into the same slots.
     */
    @Override
    public StepResult forward(StepBatch batch) {
        try {
            return super.forward(batch);
        } catch (RuntimeException e) {
            if (!backend.abandonCapture(e)) {
                throw e;
            }
            return super.forward(batch);
        }
    }

    /** Device time per operation since the last call, with {@code -Dmoe.cuda.profile=true}; else empty. */
    public String takeProfile() {
        return backend.takeProfile();
    }

    /** Decode-step CUDA graphs captured so far (tests). */
    int capturedGraphs() {
        return backend.capturedGraphs();
    }

    /** Bytes and time of the weight load. */
    public LoadReport loadReport() {
        return loadReport;
    }

    /** The GPU this model runs on. */
    public DeviceInfo device() {
        return context.info();
    }

    /** Distinct (layer, expert) pairs computed since the last call: what the routed experts read. */
    public long takeExpertsTouched() {
        return backend.takeExpertsTouched();
    }

    @Override
    protected void releaseResources() {
        context.close();
    }
}
