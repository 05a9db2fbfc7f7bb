package io.moeplatform.inference.engine.schedule;

import io.moeplatform.inference.engine.kv.BlockHash;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One choice's token stream and its KV: the prompt plus generated tokens, how
 * many of them are computed into KV blocks, and the block table.
 */
public final class Sequence {

    private final long id;
    private final SequenceGroup group;
    private final int choice;
    private final int promptLength;
    private int[] tokens;
    private int length;
    int computed;
    int[] blocks = new int[4];
    int blockCount;
    /** Content hashes of this sequence's full blocks, computed lazily in order. */
    final List<BlockHash> blockHashes = new ArrayList<>();
    /** Full blocks already offered to the prefix cache. */
    int registeredBlocks;
    long admissionOrder;
    boolean running;
    boolean waiting;

    Sequence(long id, SequenceGroup group, int choice, int[] tokens, int length, int promptLength) {
        this.id = id;
        this.group = group;
        this.choice = choice;
        this.tokens = Arrays.copyOf(tokens, Math.max(16, length + 16));
        this.length = length;
        this.promptLength = promptLength;
    }

    public long id() {
        return id;
    }

    public SequenceGroup group() {
        return group;
    }

    /** Index of the choice this sequence produces (0 before a group forks). */
    public int choice() {
        return choice;
    }

    public int promptLength() {
        return promptLength;
    }

    /** Prompt plus generated tokens. */
    public int length() {
        return length;
    }

    public int generatedCount() {
        return length - promptLength;
    }

    public int token(int position) {
        return tokens[position];
    }

    /** Tokens whose KV is in this sequence's blocks. */
    public int computedTokens() {
        return computed;
    }

    public boolean isRunning() {
        return running;
    }

    /** Appends a sampled token; the next step computes its KV. */
    public void append(int tokenId) {
        if (length == tokens.length) {
            tokens = Arrays.copyOf(tokens, tokens.length * 2);
        }
        tokens[length++] = tokenId;
    }

    int[] tokenArray() {
        return tokens;
    }

    int[] blockTable() {
        return Arrays.copyOf(blocks, blockCount);
    }

    void addBlock(int block) {
        if (blockCount == blocks.length) {
            blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        blocks[blockCount++] = block;
    }

    /**
     * Slots this sequence takes in the running batch: a group that has not forked
     * yet reserves one per choice, so forking never overfills the batch.
     */
    int slots() {
        return group.forked ? 1 : group.request().n();
    }

    @Override
    public String toString() {
        return "Sequence[" + id + " of " + group.request().requestId() + ", choice " + choice + ", " + computed + "/"
                + length + " computed]";
    }
}
