package io.moeplatform.inference.sampling;

/**
 * Partial selection of the highest logits without sorting the vocabulary. Each token is packed into one
 * {@code long} key whose ascending order is descending logit, then ascending token id (the tie-break torch's argmax
 * and our greedy path use), so a bounded heap of primitive keys selects the best {@code m} in O(V log m) time and
 * O(m) memory.
 */
final class TokenRanking {

    private TokenRanking() {}

    /** Key of a token: high 32 bits order by descending logit, low 32 bits by ascending id. */
    static long key(float logit, int tokenId) {
        // Adding +0 turns -0.0 into +0.0, so the two zeros tie as they do for argmax's '>'.
        int bits = Float.floatToRawIntBits(logit + 0f);
        // Map IEEE-754 bits onto a signed int that orders like the float (negative floats reverse their magnitude).
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | tokenId;
    }

    static int tokenId(long key) {
        return (int) key;
    }

    /**
     * The {@code m} tokens with the highest logits, best first.
     *
     * @return token ids, length {@code min(m, logits.length)}
     */
    static int[] best(float[] logits, int m) {
        int size = Math.min(m, logits.length);
        if (size <= 0) {
            return new int[0];
        }
        // Max-heap on key: the root is the worst token kept so far, the one a better token replaces.
        long[] heap = new long[size];
        for (int i = 0; i < size; i++) {
            heap[i] = key(logits[i], i);
        }
        for (int i = size / 2 - 1; i >= 0; i--) {
            siftDown(heap, i, size);
        }
        for (int i = size; i < logits.length; i++) {
            long candidate = key(logits[i], i);
            if (candidate < heap[0]) {
                heap[0] = candidate;
                siftDown(heap, 0, size);
            }
        }
        java.util.Arrays.sort(heap);
        int[] ids = new int[size];
        for (int i = 0; i < size; i++) {
            ids[i] = tokenId(heap[i]);
        }
        return ids;
    }

    /** Index of the highest logit; ties go to the lowest id. */
    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private static void siftDown(long[] heap, int index, int size) {
        long value = heap[index];
        int i = index;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] > heap[child]) {
                child++;
            }
            if (heap[child] <= value) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = value;
    }
}
