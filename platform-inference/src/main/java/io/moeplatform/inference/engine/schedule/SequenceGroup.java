package io.moeplatform.inference.engine.schedule;

import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.SchedulingClass;
import java.util.ArrayList;
import java.util.List;

/**
 * The sequences of one request as the scheduler sees them: one sequence until
 * its prompt is computed, then {@code n} (one per choice) sharing the prompt's
 * KV blocks. The engine extends it with the request's output state.
 */
public class SequenceGroup {

    private final GenerationRequest request;
    private final long arrival;
    private final long submittedNanos;
    final List<Sequence> sequences = new ArrayList<>(1);
    boolean admitted;
    boolean forked;
    int cachedPromptTokens;

    protected SequenceGroup(GenerationRequest request, long arrival, long submittedNanos) {
        this.request = request;
        this.arrival = arrival;
        this.submittedNanos = submittedNanos;
    }

    public final GenerationRequest request() {
        return request;
    }

    public final String tenantId() {
        return request.tenantId();
    }

    public final SchedulingClass schedulingClass() {
        return request.schedulingClass();
    }

    /** Order of submission, for FIFO among equal priorities. */
    final long arrival() {
        return arrival;
    }

    /** {@link System#nanoTime()} at submit, for the queue time limit. */
    public final long submittedNanos() {
        return submittedNanos;
    }

    /** Whether the request was ever admitted into the running batch. */
    public final boolean admitted() {
        return admitted;
    }

    /**
     * Prompt tokens found in the prefix cache at first admission (not counting
     * recomputes after preemption).
     */
    public final int cachedPromptTokens() {
        return cachedPromptTokens;
    }

    /** Live sequences, in choice order once forked. */
    public final List<Sequence> sequences() {
        return List.copyOf(sequences);
    }
}
