package io.moeplatform.inference.engine.kv;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Block ids of the paged KV pool with reference counts and the prefix cache.
 *
 * <p>
 * A block is in exactly one of three states: <b>free</b> (no content anyone can
 * use), <b>referenced</b> (held by one or more sequences; shared blocks are
 * read-only), or <b>cached</b> (unreferenced but registered under its
 * {@link BlockHash}, kept for reuse and evicted least recently used first when
 * the pool needs a block). {@link #availableBlocks()} counts free plus cached
 * blocks, so when nothing runs it equals {@link #blockCount()}.
 *
 * <p>
 * Not thread-safe: only the engine loop uses it.
 */
public final class KvBlockAllocator {

    private final int blockSize;
    private final int[] referenceCounts;
    private final @Nullable BlockHash[] hashes;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** Cached blocks with no references, least recently released first. */
    private final LinkedHashSet<Integer> evictable = new LinkedHashSet<>();
    private final Map<BlockHash, Integer> cached = new HashMap<>();
    private long evictions;

    public KvBlockAllocator(int blockCount, int blockSize) {
        if (blockCount < 1 || blockSize < 1) {
            throw new IllegalArgumentException(
                    "KV pool needs at least one block of at least one token, got " + blockCount + " x " + blockSize);
        }
        this.blockSize = blockSize;
        this.referenceCounts = new int[blockCount];
        this.hashes = new BlockHash[blockCount];
        for (int block = 0; block < blockCount; block++) {
            free.add(block);
        }
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockCount() {
        return referenceCounts.length;
    }

    /** Blocks that {@link #allocate()} can hand out now (free or evictable). */
    public int availableBlocks() {
        return free.size() + evictable.size();
    }

    /** Blocks held by at least one sequence. */
    public int referencedBlocks() {
        return blockCount() - availableBlocks();
    }

    /** Blocks holding reusable content: referenced ones plus cached ones. */
    public int usedBlocks() {
        return blockCount() - free.size();
    }

    public int cachedBlocks() {
        return cached.size();
    }

    public long evictions() {
        return evictions;
    }

    public int referenceCount(int block) {
        return referenceCounts[block];
    }

    /**
     * A block for exclusive use (reference count 1), taken from the free list or,
     * when that is empty, by evicting the least recently used cached block.
     *
     * @throws IllegalStateException
     *             when no block is available; callers check
     *             {@link #availableBlocks()} first
     */
    public int allocate() {
        Integer block = free.poll();
        if (block == null) {
            Iterator<Integer> oldest = evictable.iterator();
            if (!oldest.hasNext()) {
                throw new IllegalStateException("KV pool exhausted: all " + blockCount() + " blocks are referenced");
            }
            block = oldest.next();
            oldest.remove();
            cached.remove(hashes[block]);
            hashes[block] = null;
            evictions++;
        }
        referenceCounts[block] = 1;
        return block;
    }

    /**
     * The cached block with that content, with one more reference, or -1 when the
     * content is not cached.
     */
    public int lookup(BlockHash hash) {
        Integer block = cached.get(hash);
        if (block == null) {
            return -1;
        }
        retain(block);
        return block;
    }

    /** One more reference to a block (a sequence starts sharing it). */
    public void retain(int block) {
        if (referenceCounts[block] == 0) {
            if (!evictable.remove(block)) {
                throw new IllegalStateException(
                        "block " + block + " is free; only referenced or cached blocks can be shared");
            }
        }
        referenceCounts[block]++;
    }

    /**
     * Drops one reference. A block without references becomes evictable when it is
     * cached, otherwise free.
     */
    public void release(int block) {
        if (referenceCounts[block] <= 0) {
            throw new IllegalStateException("block " + block + " released more often than referenced");
        }
        if (--referenceCounts[block] == 0) {
            if (hashes[block] != null) {
                evictable.addLast(block);
            } else {
                free.push(block);
            }
        }
    }

    /**
     * Makes a referenced block, now full of computed tokens, findable under its
     * content hash. When another block already holds the same content, this one
     * stays private (freed, not cached, once released).
     */
    public void register(int block, BlockHash hash) {
        if (referenceCounts[block] == 0) {
            throw new IllegalStateException("block " + block + " must be referenced to be registered");
        }
        if (hashes[block] != null || cached.containsKey(hash)) {
            return;
        }
        hashes[block] = hash;
        cached.put(hash, block);
    }
}
