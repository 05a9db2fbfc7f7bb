package io.moeplatform.inference.model;

/**
 * A {@link ModelExecutor} that runs a {@link Decoder} ({@link MoeDecoder} or {@link DeepSeekDecoder}) on one {@link ModelBackend}: the part every backend shares
 * (slice validation, the closed state, the model's facts). Subclasses load the weights onto their backend and
 * release what they own besides it in {@link #releaseResources()}.
 */
public abstract class DecoderModelExecutor implements ModelExecutor {

    /** Seed of dummy weights, the same for every backend: the same config always gives the same model. */
    public static final long DUMMY_SEED = 0x5EED_0F_D0_3AL;

    private final ModelConfig config;
    private final GenerationConfig generationConfig;
    private final ModelBackend backend;
    private final Decoder decoder;
    private final KvCacheGeometry geometry;
    private boolean closed;

    protected DecoderModelExecutor(ModelConfig config, GenerationConfig generationConfig, ModelBackend backend,
            Decoder decoder, KvCacheGeometry geometry) {
        this.config = config;
        this.generationConfig = generationConfig;
        this.backend = backend;
        this.decoder = decoder;
        this.geometry = geometry;
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
        if (closed) {
            throw new IllegalStateException("the " + architecture() + " " + backend() + " executor is closed");
        }
        for (SequenceSlice s : batch.slices()) {
            check(s);
            checkAdapter(s, batch);
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
        if (s.loraAdapterId() != null && !supportsLoraAdapters()) {
            throw new IllegalArgumentException("sequence " + s.sequenceId() + ": LoRA adapters are not supported "
                    + "by the " + backend() + " backend yet");
        }
    }

    private static void checkAdapter(SequenceSlice s, StepBatch batch) {
        if (s.loraAdapterId() != null && !batch.adapters().containsKey(s.loraAdapterId())) {
            throw new IllegalArgumentException("sequence " + s.sequenceId() + ": LoRA adapter '" + s.loraAdapterId()
                    + "' is not among the step's loaded adapters");
        }
    }

    /** Frees what the subclass owns besides the backend; called once, after the backend is closed. */
    protected abstract void releaseResources();

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            backend.close();
        } finally {
            releaseResources();
        }
    }
}
