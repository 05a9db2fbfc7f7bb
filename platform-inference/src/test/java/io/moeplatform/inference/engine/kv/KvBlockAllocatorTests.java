package io.moeplatform.inference.engine.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KvBlockAllocatorTests {

    private static BlockHash hash(int... tokens) {
        return BlockHash.of(null, "salt", tokens, 0, tokens.length);
    }

    @Test
    void releasedUncachedBlocksAreFreeAgain() {
        KvBlockAllocator allocator = new KvBlockAllocator(3, 4);
        int a = allocator.allocate();
        int b = allocator.allocate();
        assertThat(allocator.availableBlocks()).isEqualTo(1);
        allocator.release(a);
        allocator.release(b);
        assertThat(allocator.availableBlocks()).isEqualTo(3);
        assertThat(allocator.usedBlocks()).isZero();
    }

    @Test
    void sharedBlockStaysReferencedUntilLastRelease() {
        KvBlockAllocator allocator = new KvBlockAllocator(2, 4);
        int block = allocator.allocate();
        allocator.retain(block);
        allocator.release(block);
        assertThat(allocator.referenceCount(block)).isEqualTo(1);
        assertThat(allocator.referencedBlocks()).isEqualTo(1);
        allocator.release(block);
        assertThat(allocator.referencedBlocks()).isZero();
        assertThatThrownBy(() -> allocator.release(block)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void cachedBlockIsKeptAfterReleaseAndFoundByContent() {
        KvBlockAllocator allocator = new KvBlockAllocator(2, 4);
        int block = allocator.allocate();
        allocator.register(block, hash(1, 2, 3, 4));
        allocator.release(block);

        assertThat(allocator.availableBlocks()).as("cached blocks count as available").isEqualTo(2);
        assertThat(allocator.usedBlocks()).isEqualTo(1);
        assertThat(allocator.lookup(hash(1, 2, 3, 4))).isEqualTo(block);
        assertThat(allocator.referenceCount(block)).isEqualTo(1);
        assertThat(allocator.lookup(hash(1, 2, 3, 5))).isEqualTo(-1);
    }

    @Test
    void freeBlocksGoFirstThenLeastRecentlyReleasedCachedBlocksAreEvicted() {
        KvBlockAllocator allocator = new KvBlockAllocator(3, 4);
        int older = allocator.allocate();
        int newer = allocator.allocate();
        allocator.register(older, hash(1));
        allocator.register(newer, hash(2));
        allocator.release(older);
        allocator.release(newer);

        int fresh = allocator.allocate();
        assertThat(fresh).isNotIn(older, newer);
        assertThat(allocator.allocate()).isEqualTo(older);
        assertThat(allocator.evictions()).isEqualTo(1);
        assertThat(allocator.lookup(hash(1))).isEqualTo(-1);
        assertThat(allocator.lookup(hash(2))).isEqualTo(newer);
        assertThatThrownBy(allocator::allocate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exhausted");
    }

    @Test
    void duplicateContentStaysPrivateAndIsFreedNotCached() {
        KvBlockAllocator allocator = new KvBlockAllocator(2, 4);
        int first = allocator.allocate();
        int second = allocator.allocate();
        allocator.register(first, hash(7));
        allocator.register(second, hash(7));
        allocator.release(second);
        assertThat(allocator.cachedBlocks()).isEqualTo(1);
        assertThat(allocator.usedBlocks()).isEqualTo(1);
        assertThat(allocator.lookup(hash(7))).isEqualTo(first);
    }

    @Test
    void hashDependsOnParentAndSalt() {
        int[] tokens = {1, 2, 3, 4};
        BlockHash plain = BlockHash.of(null, "tenant-a", tokens, 0, 4);
        assertThat(BlockHash.of(null, "tenant-a", tokens, 0, 4)).isEqualTo(plain);
        assertThat(BlockHash.of(null, "tenant-b", tokens, 0, 4)).isNotEqualTo(plain);
        assertThat(BlockHash.of(plain, "tenant-a", tokens, 0, 4)).isNotEqualTo(plain);
    }
}
