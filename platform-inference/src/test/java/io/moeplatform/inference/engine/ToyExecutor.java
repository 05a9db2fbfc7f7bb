package io.moeplatform.inference.engine;

import io.moeplatform.inference.model.KvCacheGeometry;
import io.moeplatform.inference.model.ModelExecutor;
import io.moeplatform.inference.model.SequenceSlice;
import io.moeplatform.inference.model.StepBatch;
import io.moeplatform.inference.model.StepResult;
import java.util.Arrays;
import java.util.function.Predicate;

/**
 * A real executor over a toy computation: the "KV" of a position is the token
 * id stored in the block table's block, and the logits of the last token are a
 * pseudo-random function of every token the sequence's block table holds. So an
 * output is right only when the scheduler gave the right blocks with the right
 * content: wrong sharing, a lost prefix or stale blocks change the tokens.
 */
final class ToyExecutor implements ModelExecutor {

    static final int VOCABULARY = 64;

    private final int contextLength;
    private final KvCacheGeometry geometry;
    private final int[] kv;
    private volatile Predicate<SequenceSlice> failWhen = slice -> false;
    long forwardCalls;
    long computedTokens;
    int maxSlicesInStep;

    ToyExecutor(int blockSize, int blockCount, int contextLength) {
        this.contextLength = contextLength;
        this.geometry = new KvCacheGeometry(blockSize, blockCount, blockSize * 8L);
        this.kv = new int[blockSize * blockCount];
        Arrays.fill(kv, -1);
    }

    void failWhen(Predicate<SequenceSlice> condition) {
        failWhen = condition;
    }

    @Override
    public String architecture() {
        return "toy";
    }

    @Override
    public int vocabularySize() {
        return VOCABULARY;
    }

    @Override
    public int contextLength() {
        return contextLength;
    }

    @Override
    public String backend() {
        return "cpu";
    }

    @Override
    public KvCacheGeometry kvCacheGeometry() {
        return geometry;
    }

    @Override
    public StepResult forward(StepBatch batch) {
        forwardCalls++;
        maxSlicesInStep = Math.max(maxSlicesInStep, batch.slices().size());
        float[][] logits = new float[(int) batch.slices().stream().filter(SequenceSlice::needsLogits).count()][];
        int row = 0;
        for (SequenceSlice slice : batch.slices()) {
            if (failWhen.test(slice)) {
                throw new IllegalStateException("toy failure in sequence " + slice.sequenceId());
            }
            int blockSize = geometry.blockSize();
            int end = slice.startPosition() + slice.tokenIds().length;
            if (slice.blockTable().length * blockSize < end) {
                throw new IllegalStateException("block table too short for " + end + " positions");
            }
            for (int i = 0; i < slice.tokenIds().length; i++) {
                kv[slot(slice, slice.startPosition() + i)] = slice.tokenIds()[i];
            }
            computedTokens += slice.tokenIds().length;
            if (slice.needsLogits()) {
                logits[row++] = logitsOf(slice, end);
            }
        }
        return new StepResult(logits);
    }

    private int slot(SequenceSlice slice, int position) {
        int blockSize = geometry.blockSize();
        return slice.blockTable()[position / blockSize] * blockSize + position % blockSize;
    }

    /** logits[j] = uniform(-4, 4) seeded by a hash of all tokens at positions 0..end-1 and j. */
    private float[] logitsOf(SequenceSlice slice, int end) {
        long hash = 0x9E3779B97F4A7C15L;
        for (int position = 0; position < end; position++) {
            int token = kv[slot(slice, position)];
            if (token < 0) {
                throw new IllegalStateException("position " + position + " was never computed");
            }
            hash = mix(hash ^ token);
        }
        float[] logits = new float[VOCABULARY];
        for (int j = 0; j < VOCABULARY; j++) {
            logits[j] = (mix(hash + j) >>> 40) / (float) (1L << 24) * 8f - 4f;
        }
        return logits;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public void close() {}
}
