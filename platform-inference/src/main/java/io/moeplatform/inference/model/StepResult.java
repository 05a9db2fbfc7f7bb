package io.moeplatform.inference.model;

import java.util.Arrays;

/**
 * Output of one forward pass: one entry per output row of the {@link StepBatch} (the slices that asked for logits,
 * in slice order). A row carries either its logits or, for a row the batch marked greedy-only, the greedy token the
 * executor chose itself.
 *
 * @param logits
 *            {@code vocabularySize} fp32 logits per row, or {@code null} where the executor returned the token id
 * @param tokenIds
 *            the greedy token of rows whose logits are {@code null}, {@code -1} for rows with logits
 */
public record StepResult(float[][] logits, int[] tokenIds) {

    public StepResult {
        if (logits.length != tokenIds.length) {
            throw new IllegalArgumentException(logits.length + " logit rows but " + tokenIds.length + " token ids");
        }
        for (int row = 0; row < logits.length; row++) {
            if ((logits[row] == null) == (tokenIds[row] < 0)) {
                throw new IllegalArgumentException("row " + row + " must carry either logits or a token id");
            }
        }
    }

    /** Logits for every row. */
    public StepResult(float[][] logits) {
        this(logits, filled(logits.length));
    }

    private static int[] filled(int rows) {
        int[] ids = new int[rows];
        Arrays.fill(ids, -1);
        return ids;
    }

    public int rows() {
        return logits.length;
    }

    /** Whether row {@code row} came back as a token id rather than logits. */
    public boolean hasTokenId(int row) {
        return logits[row] == null;
    }
}
