package io.moeplatform.inference.engine.schedule;

import io.moeplatform.inference.engine.kv.BlockHash;
import io.moeplatform.inference.engine.kv.KvBlockAllocator;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Iteration-level continuous batching. Each {@link #schedule()} builds one step:
 * first every running decode, then the next chunks of running prefills, then
 * new sequences admitted weighted-fair from the waiting queue, all under the
 * step's token budget; only a slice that reaches its sequence's last token asks
 * for logits (chunked prefill). When the KV pool runs out, the most recently
 * admitted running sequences are preempted: their blocks are released and they
 * wait at the front of their tenant's queue to be recomputed (prompt and
 * generated tokens), so their output continues where it stopped.
 *
 * <p>
 * Not thread-safe: only the engine loop uses it.
 */
public final class Scheduler {

    private final KvBlockAllocator allocator;
    private final SchedulerLimits limits;
    private final FairQueue queue = new FairQueue();
    /** Running sequences, oldest admission first. */
    private final List<Sequence> running = new ArrayList<>();
    private int runningSlots;
    private long nextSequenceId;
    private long nextAdmission;
    private long preemptions;
    private long promptTokensLookedUp;
    private long promptTokensFromCache;

    public Scheduler(KvBlockAllocator allocator, SchedulerLimits limits) {
        this.allocator = allocator;
        this.limits = limits;
    }

    /** Queues a new request's prompt as its first sequence. */
    public void enqueue(SequenceGroup group) {
        int[] prompt = group.request().promptTokenIds();
        Sequence sequence = new Sequence(nextSequenceId++, group, 0, prompt, prompt.length, prompt.length);
        group.sequences.add(sequence);
        queue.addFresh(sequence);
    }

    /** Plans the next step; an empty plan means there is nothing to compute now. */
    public StepPlan schedule() {
        StepPlan plan = new StepPlan(limits.maxBatchTokens());
        scheduleRunning(plan, true);
        scheduleRunning(plan, false);
        admitWaiting(plan);
        return plan;
    }

    private void scheduleRunning(StepPlan plan, boolean decodes) {
        for (Sequence sequence : List.copyOf(running)) {
            if (plan.budget() == 0) {
                return;
            }
            int remaining = sequence.length() - sequence.computed;
            if (!sequence.running || plan.contains(sequence) || remaining <= 0 || (remaining == 1) != decodes) {
                continue;
            }
            int tokens = Math.min(remaining, plan.budget());
            if (ensureBlocks(sequence, sequence.computed + tokens, plan)) {
                plan.add(sequence, tokens);
            }
        }
    }

    /**
     * Gives the sequence blocks for {@code tokens} positions, preempting the newest
     * running sequences while the pool is empty. False when the sequence itself
     * had to be preempted.
     */
    private boolean ensureBlocks(Sequence sequence, int tokens, StepPlan plan) {
        int needed = blocksFor(tokens);
        while (sequence.blockCount < needed) {
            if (allocator.availableBlocks() == 0) {
                Sequence victim = newestRunning();
                preempt(victim, plan);
                if (victim == sequence) {
                    return false;
                }
                continue;
            }
            sequence.addBlock(allocator.allocate());
        }
        return true;
    }

    private Sequence newestRunning() {
        Sequence newest = running.getFirst();
        for (Sequence sequence : running) {
            if (sequence.admissionOrder > newest.admissionOrder) {
                newest = sequence;
            }
        }
        return newest;
    }

    private void preempt(Sequence sequence, StepPlan plan) {
        plan.remove(sequence);
        stopRunning(sequence);
        queue.addResumed(sequence);
        preemptions++;
    }

    private void stopRunning(Sequence sequence) {
        running.remove(sequence);
        sequence.running = false;
        int slots = sequence.slots();
        runningSlots -= slots;
        queue.tenant(sequence.group().tenantId()).runningSlots -= slots;
        releaseBlocks(sequence);
    }

    private void releaseBlocks(Sequence sequence) {
        for (int i = 0; i < sequence.blockCount; i++) {
            allocator.release(sequence.blocks[i]);
        }
        sequence.blockCount = 0;
        sequence.computed = 0;
        sequence.registeredBlocks = 0;
    }

    private void admitWaiting(StepPlan plan) {
        while (plan.budget() > 0) {
            Sequence next = queue.peek(limits.maxRunningSequences() - runningSlots);
            if (next == null || !admit(next, plan)) {
                return;
            }
        }
    }

    /**
     * Moves a waiting sequence into the running batch when the pool has the blocks
     * for all its uncomputed tokens (so a new sequence does not immediately
     * preempt others), reusing cached prefix blocks first.
     */
    private boolean admit(Sequence sequence, StepPlan plan) {
        if (limits.prefixCaching()) {
            reuseCachedPrefix(sequence);
        }
        int blocksMissing = blocksFor(sequence.length()) - sequence.blockCount;
        if (blocksMissing > allocator.availableBlocks()) {
            releaseBlocks(sequence);
            return false;
        }
        SequenceGroup group = sequence.group();
        if (!group.admitted) {
            group.admitted = true;
            group.cachedPromptTokens = Math.min(sequence.computed, sequence.promptLength());
            promptTokensLookedUp += sequence.promptLength();
            promptTokensFromCache += group.cachedPromptTokens;
        }
        queue.remove(sequence);
        running.add(sequence);
        sequence.running = true;
        sequence.admissionOrder = nextAdmission++;
        int slots = sequence.slots();
        runningSlots += slots;
        queue.tenant(group.tenantId()).runningSlots += slots;
        int tokens = Math.min(sequence.length() - sequence.computed, plan.budget());
        ensureBlocks(sequence, sequence.computed + tokens, plan);
        plan.add(sequence, tokens);
        return true;
    }

    /**
     * Takes cached blocks for the longest cached run of full blocks, leaving at
     * least one token to compute so the step yields logits.
     */
    private void reuseCachedPrefix(Sequence sequence) {
        int reusable = (sequence.length() - 1) / allocator.blockSize();
        for (int index = 0; index < reusable; index++) {
            int block = allocator.lookup(blockHash(sequence, index));
            if (block < 0) {
                break;
            }
            sequence.addBlock(block);
        }
        sequence.computed = sequence.blockCount * allocator.blockSize();
        sequence.registeredBlocks = sequence.blockCount;
    }

    private BlockHash blockHash(Sequence sequence, int index) {
        int size = allocator.blockSize();
        while (sequence.blockHashes.size() <= index) {
            int next = sequence.blockHashes.size();
            BlockHash parent = next == 0 ? null : sequence.blockHashes.get(next - 1);
            sequence.blockHashes.add(BlockHash.of(parent, sequence.group().request().prefixCacheSalt(),
                    sequence.tokenArray(), next * size, size));
        }
        return sequence.blockHashes.get(index);
    }

    /**
     * Records that the executor computed the plan: advances each sequence and
     * offers its newly full blocks to the prefix cache.
     */
    public void complete(StepPlan plan) {
        for (Sequence sequence : plan.sequences()) {
            int tokens = plan.tokens(sequence);
            sequence.computed += tokens;
            queue.charge(sequence.group().tenantId(), tokens);
            if (limits.prefixCaching()) {
                int full = sequence.computed / allocator.blockSize();
                for (int index = sequence.registeredBlocks; index < full; index++) {
                    allocator.register(sequence.blocks[index], blockHash(sequence, index));
                }
                sequence.registeredBlocks = Math.max(sequence.registeredBlocks, full);
            }
        }
    }

    /**
     * Splits a group whose prompt is now computed into one sequence per choice.
     * The new sequences share the prompt's full blocks read-only and recompute
     * only the partial last block of the prompt into a block of their own, since
     * the executor cannot copy blocks. Returns the group's sequences in choice
     * order ({@code sequence} itself is choice 0).
     */
    public List<Sequence> fork(Sequence sequence) {
        SequenceGroup group = sequence.group();
        int choices = group.request().n();
        if (group.forked || choices == 1) {
            group.forked = true;
            return List.of(sequence);
        }
        group.forked = true;
        int sharedBlocks = sequence.computed / allocator.blockSize();
        for (int choice = 1; choice < choices; choice++) {
            Sequence sibling = new Sequence(nextSequenceId++, group, choice, sequence.tokenArray(), sequence.length(),
                    sequence.promptLength());
            for (int index = 0; index < sharedBlocks; index++) {
                allocator.retain(sequence.blocks[index]);
                sibling.addBlock(sequence.blocks[index]);
            }
            sibling.computed = sharedBlocks * allocator.blockSize();
            sibling.blockHashes.addAll(sequence.blockHashes.subList(0,
                    Math.min(sharedBlocks, sequence.blockHashes.size())));
            sibling.registeredBlocks = Math.min(sequence.registeredBlocks, sharedBlocks);
            sibling.running = true;
            sibling.admissionOrder = nextAdmission++;
            running.add(sibling);
            group.sequences.add(sibling);
        }
        return List.copyOf(group.sequences);
    }

    /** A choice is done: its blocks go back to the pool (or the prefix cache). */
    public void finish(Sequence sequence) {
        if (sequence.running) {
            stopRunning(sequence);
        } else if (sequence.waiting) {
            queue.remove(sequence);
        }
        sequence.group().sequences.remove(sequence);
    }

    /** Removes every sequence of a request (cancelled, failed or timed out). */
    public void abort(SequenceGroup group) {
        for (Sequence sequence : List.copyOf(group.sequences)) {
            finish(sequence);
        }
    }

    /**
     * Removes and returns the requests that waited for their first admission since
     * before {@code deadlineNanos} (a {@link System#nanoTime()} value).
     */
    public List<SequenceGroup> expireWaiting(long deadlineNanos) {
        List<SequenceGroup> expired = new ArrayList<>();
        for (Sequence sequence : queue.freshSubmittedBefore(deadlineNanos)) {
            expired.add(sequence.group());
            finish(sequence);
        }
        return expired;
    }

    private int blocksFor(int tokens) {
        return (tokens + allocator.blockSize() - 1) / allocator.blockSize();
    }

    /** Requests waiting for their first admission. */
    public int waitingRequests() {
        return queue.waitingRequests();
    }

    /** Waiting sequences, preempted ones included. */
    public int waitingSequences() {
        return queue.waitingSequences();
    }

    public int runningSequences() {
        return running.size();
    }

    public boolean hasWork() {
        return !running.isEmpty() || queue.waitingSequences() > 0;
    }

    public long preemptions() {
        return preemptions;
    }

    /** Prompt tokens of admitted requests, the denominator of the prefix-cache hit rate. */
    public long promptTokensLookedUp() {
        return promptTokensLookedUp;
    }

    /** Prompt tokens found in the prefix cache at first admission. */
    public long promptTokensFromCache() {
        return promptTokensFromCache;
    }

    /** A tenant's virtual time, for tests of fairness. */
    public double virtualTime(String tenantId) {
        return queue.virtualTime(tenantId);
    }

    public @Nullable Sequence findRunning(long sequenceId) {
        for (Sequence sequence : running) {
            if (sequence.id() == sequenceId) {
                return sequence;
            }
        }
        return null;
    }
}
