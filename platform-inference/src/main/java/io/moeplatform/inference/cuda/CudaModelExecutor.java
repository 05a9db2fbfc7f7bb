package io.moeplatform.inference.cuda;

import io.moeplatform.inference.GpuMemory;
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
import io.moeplatform.inference.model.ModelLoadException;
import io.moeplatform.inference.model.MoeDecoder;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import io.moeplatform.inference.model.WeightSource;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model loaded from a Hugging Face directory onto one GPU and run by {@link CudaBackend}. Owns the context, the
 * device weights and the KV pool; {@link #close()} releases all of them. The checkpoint's files are only read while
 * loading.
 */
public final class CudaModelExecutor extends DecoderModelExecutor {

    /** Device memory the CUDA libraries (cuBLAS workspaces, module images, graphs) take besides our buffers. */
    private static final long LIBRARY_RESERVE_BYTES = 1L << 30;

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
            CudaBackend backend, Decoder decoder, KvCacheGeometry geometry, LoadReport loadReport) {
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
        ModelConfig config = ModelConfig.read(modelDir);
        CudaAvailability.ensureAvailability();
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
            Decoder decoder;
            KvCacheShape shape;
            DeepSeekConfig deepSeek = config.deepSeek();
            if (deepSeek != null) {
                // MLA: the cache keeps one latent [kv_lora_rank + qk_rope_head_dim] per token and layer
                DeepSeekKernels.checkShape(deepSeek.attention());
                backend.prepareDeepSeek();
                decoder = new DeepSeekDecoder(config, DeepSeekWeights.load(config, source, backend), backend);
                shape = KvCacheShape.latent(config.layers(), deepSeek.attention().latentWidth());
            } else {
                decoder = new MoeDecoder(config, DecoderWeights.load(config, source, backend), backend);
                shape = new KvCacheShape(config.layers(), config.kvHeads(), config.headDim());
            }
            backend.finishLoading();
            LoadReport report = new LoadReport(backend.uploadedBytes(), (System.nanoTime() - start) / 1e9,
                    backend.uploadSeconds());
            int blocks = options.kvBlockCount() > 0
                    ? options.kvBlockCount()
                    : defaultBlocks(context, shape, options, scratchBytes(config, options));
            KvCacheGeometry geometry = backend.allocateKvCache(shape, options.kvBlockSize(), blocks);
            return new CudaModelExecutor(config, generation, context, backend, decoder, geometry, report);
        } catch (RuntimeException e) {
            if (backend != null) {
                backend.close();
            }
            context.close();
            throw e;
        }
    }

    /**
     * Blocks of the KV pool: {@code kvCacheBytes} when set, otherwise what is left of {@code gpuMemoryFraction} of
     * the device after the weights (measured: {@code total - free} now) and the step's scratch (estimated, as it is
     * allocated on first use): {@code fraction * total - (total - free) - scratch}.
     */
    static int defaultBlocks(CudaContext context, KvCacheShape shape, CudaExecutorOptions options,
            long scratchBytes) {
        long bytesPerBlock = CudaBackend.bytesPerBlock(shape, options.kvBlockSize());
        long bytes = options.kvCacheBytes();
        if (bytes == 0) {
            long[] freeTotal = context.memoryInfo();
            bytes = kvBudget(freeTotal[0], freeTotal[1], options.gpuMemoryFraction(), scratchBytes);
            if (bytes < bytesPerBlock) {
                throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                        "not enough GPU memory for the KV cache: %.2f GB free of %.2f GB after loading the weights, "
                                + "gpu-memory-fraction %.2f and %.2f GB of step scratch leave %.2f GB; raise "
                                + "platform.inference.gpu-memory-fraction or lower max-batch-tokens",
                        freeTotal[0] / 1e9, freeTotal[1] / 1e9, options.gpuMemoryFraction(), scratchBytes / 1e9,
                        bytes / 1e9));
            }
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, bytes / bytesPerBlock));
    }

    /** {@code fraction * total - used - scratch}, where used is everything allocated on the device now. */
    static long kvBudget(long free, long total, double fraction, long scratchBytes) {
        return (long) (fraction * total) - (total - free) - scratchBytes;
    }

    /**
     * An upper estimate of the scratch {@link CudaBackend} allocates on first use for steps of
     * {@code maxBatchTokens} tokens and {@code maxSequences} logit rows: activations, dense and expert MLP buffers,
     * router outputs, the per-step index upload, the logits, the RoPE tables; plus the libraries' own memory.
     */
    static long scratchBytes(ModelConfig c, CudaExecutorOptions o) {
        long t = o.maxBatchTokens();
        long h = c.hiddenSize();
        long q = (long) c.heads() * c.headDim();
        long kv = (long) c.kvHeads() * c.headDim();
        long k = Math.max(1, c.expertsPerToken());
        long dense = Math.max(c.intermediateSize(), c.sharedExpertIntermediateSize());
        long expert = c.expertIntermediateSize();
        long activations = t * (8 * h + 2 * q + 4 * kv) * 2;
        // dense MLP buffers, the grouped experts' rows, the expert GEMMs' gathered and padded rows (x, gate, up, act, y)
        long mlp = t * (3 * dense + k * expert + 3 * expert + k * h + 2 * h) * 2 + t * (c.experts() * 4L + k * 8);
        long stepInts = t * (4 + (c.maxPositions() + o.kvBlockSize() - 1) / o.kvBlockSize()) * 4;
        long logits = (long) o.maxSequences() * (h * 2 + (long) c.vocabularySize() * 4);
        long rope = (long) c.maxPositions() * c.headDim() * 4;
        DeepSeekConfig d = c.deepSeek();
        if (d != null) {
            // MLA: q, the latent row, the attended values; qc, qp and o in fp32; the split-K scratch
            var s = d.attention();
            activations += t * ((long) s.heads() * (s.qkHeadDim() + s.vDim()) + s.latentWidth() + d.qLoraRank()) * 2;
            activations += t * s.heads() * (2L * s.kvLoraRank() + s.ropeDim()) * 4 + (4L << 20);
            rope += (long) c.maxPositions() * s.ropeDim() * 4;
        }
        return activations + mlp + stepInts + logits + rope + LIBRARY_RESERVE_BYTES;
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

    /**
     * The device's memory now and what this model holds of it. Binds the context to the calling thread, so any
     * thread may ask; after {@link #close()} it is empty.
     */
    @Override
    public Optional<GpuMemory> deviceMemory() {
        try {
            context.bindToCurrentThread();
            long[] freeTotal = context.memoryInfo();
            KvCacheGeometry kv = kvCacheGeometry();
            return Optional.of(new GpuMemory(context.info().name(), freeTotal[1], freeTotal[0],
                    loadReport.weightBytes(), kv.bytesPerBlock() * kv.blockCount()));
        } catch (RuntimeException e) {
            return Optional.empty(); // closed, or the driver refused: the status shows no GPU memory then
        }
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
