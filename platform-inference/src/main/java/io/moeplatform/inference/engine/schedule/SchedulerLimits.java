package io.moeplatform.inference.engine.schedule;

/**
 * Bounds of one engine step.
 *
 * @param maxBatchTokens
 *            tokens one step computes at most (decodes plus prefill chunks)
 * @param maxRunningSequences
 *            sequences in the running batch at most
 * @param prefixCaching
 *            whether full blocks are shared by content hash
 */
public record SchedulerLimits(int maxBatchTokens, int maxRunningSequences, boolean prefixCaching) {

    public SchedulerLimits {
        if (maxBatchTokens < 1 || maxRunningSequences < 1) {
            throw new IllegalArgumentException("maxBatchTokens and maxRunningSequences must be at least 1, got "
                    + maxBatchTokens + " and " + maxRunningSequences);
        }
    }
}
