package io.moeplatform.adapters.kg.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Aho–Corasick automaton over normalized names: finds every occurrence of every name in one pass over the text,
 * in time linear in the text plus the matches. Built once per graph version; immutable and thread-safe after.
 *
 * <p>The trie is stored flat: an open-addressing hash table maps (state, char) to the next state, and per-state
 * arrays hold the failure link, the pattern ending there and the nearest failure-chain state with a pattern. With
 * 100k entities (a few hundred thousand names) this stays a few tens of MB, without a Java object per node.
 *
 * <p>Matches are then filtered: a name that starts or ends with a letter or digit of a spaced script (Latin...)
 * must not continue a longer word of the text ("CMB" does not match in "CMBC"), while Chinese names match
 * anywhere; on overlaps the longest match wins (earlier first on equal length).
 */
public final class NameMatcher {

    /** One accepted occurrence: {@code [start, end)} in the normalized text, and the pattern it matched. */
    public record Match(int start, int end, int pattern) {}

    private final int[] patternLength;
    // trie: transitions keyed by state << 16 | char
    private final long[] edgeKeys;
    private final int[] edgeTargets;
    private final int edgeMask;
    private final int[] fail;
    private final int[] output;
    private final int[] outputLink;

    /** @param patterns normalized, non-empty; equal patterns are allowed (the first one is reported) */
    public NameMatcher(List<String> patterns) {
        this.patternLength = new int[patterns.size()];
        long chars = patterns.stream().mapToLong(String::length).sum();
        int capacity = Integer.highestOneBit((int) Math.max(16, Math.min(1 << 30, chars * 2))) << 1;
        this.edgeKeys = new long[capacity];
        Arrays.fill(edgeKeys, -1);
        this.edgeTargets = new int[capacity];
        this.edgeMask = capacity - 1;
        int maxStates = (int) Math.min(Integer.MAX_VALUE - 8, chars + 1);
        int[] outputs = new int[maxStates];
        Arrays.fill(outputs, -1);
        int states = 1;
        for (int p = 0; p < patterns.size(); p++) {
            String pattern = patterns.get(p);
            patternLength[p] = pattern.length();
            int state = 0;
            for (int i = 0; i < pattern.length(); i++) {
                int next = next(state, pattern.charAt(i));
                if (next < 0) {
                    next = states++;
                    put(state, pattern.charAt(i), next);
                }
                state = next;
            }
            if (outputs[state] < 0) {
                outputs[state] = p;
            }
        }
        this.output = Arrays.copyOf(outputs, states);
        this.fail = new int[states];
        this.outputLink = new int[states];
        buildFailureLinks(states);
    }

    /** Breadth-first over the trie: each state's failure link is the longest proper suffix that is a state. */
    private void buildFailureLinks(int states) {
        // children lists, gathered from the hash table once
        int[] childCount = new int[states + 1];
        for (long key : edgeKeys) {
            if (key >= 0) {
                childCount[(int) (key >>> 16) + 1]++;
            }
        }
        for (int s = 0; s < states; s++) {
            childCount[s + 1] += childCount[s];
        }
        int[] children = new int[childCount[states]];
        char[] labels = new char[childCount[states]];
        int[] fill = Arrays.copyOf(childCount, states);
        for (int slot = 0; slot < edgeKeys.length; slot++) {
            long key = edgeKeys[slot];
            if (key >= 0) {
                int parent = (int) (key >>> 16);
                children[fill[parent]] = edgeTargets[slot];
                labels[fill[parent]++] = (char) (key & 0xffff);
            }
        }
        int[] queue = new int[states];
        int head = 0;
        int tail = 0;
        fail[0] = 0;
        outputLink[0] = -1;
        for (int c = childCount[0]; c < childCount[1]; c++) {
            fail[children[c]] = 0;
            outputLink[children[c]] = -1;
            queue[tail++] = children[c];
        }
        while (head < tail) {
            int state = queue[head++];
            for (int c = childCount[state]; c < childCount[state + 1]; c++) {
                int child = children[c];
                char label = labels[c];
                int f = fail[state];
                int target;
                while ((target = next(f, label)) < 0 && f != 0) {
                    f = fail[f];
                }
                fail[child] = target >= 0 && target != child ? target : 0;
                outputLink[child] = output[fail[child]] >= 0 ? fail[child] : outputLink[fail[child]];
                queue[tail++] = child;
            }
        }
    }

    public int patternCount() {
        return patternLength.length;
    }

    /** Accepted matches in normalized text, by start position. */
    public List<Match> find(String text) {
        var candidates = new ArrayList<Match>();
        int state = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int next;
            while ((next = next(state, c)) < 0 && state != 0) {
                state = fail[state];
            }
            state = Math.max(next, 0);
            for (int s = output[state] >= 0 ? state : outputLink[state]; s > 0; s = outputLink[s]) {
                int pattern = output[s];
                int end = i + 1;
                int start = end - patternLength[pattern];
                if (isWholeWord(text, start, end)) {
                    candidates.add(new Match(start, end, pattern));
                }
            }
        }
        return longestFirst(candidates);
    }

    private static boolean isWholeWord(String text, int start, int end) {
        boolean leftOk = start == 0 || !TextNormalizer.isSpacedWordChar(text.charAt(start))
                || !TextNormalizer.isSpacedWordChar(text.charAt(start - 1));
        boolean rightOk = end == text.length() || !TextNormalizer.isSpacedWordChar(text.charAt(end - 1))
                || !TextNormalizer.isSpacedWordChar(text.charAt(end));
        return leftOk && rightOk;
    }

    private static List<Match> longestFirst(List<Match> candidates) {
        candidates.sort(Comparator.comparingInt((Match m) -> m.start() - m.end()).thenComparingInt(Match::start));
        var taken = new BitSet();
        var accepted = new ArrayList<Match>();
        for (Match m : candidates) {
            int covered = taken.nextSetBit(m.start());
            if (covered < 0 || covered >= m.end()) {
                taken.set(m.start(), m.end());
                accepted.add(m);
            }
        }
        accepted.sort(Comparator.comparingInt(Match::start));
        return accepted;
    }

    private int next(int state, char c) {
        long key = ((long) state << 16) | c;
        for (int slot = slot(key);; slot = (slot + 1) & edgeMask) {
            long k = edgeKeys[slot];
            if (k == key) {
                return edgeTargets[slot];
            }
            if (k < 0) {
                return -1;
            }
        }
    }

    private void put(int state, char c, int target) {
        long key = ((long) state << 16) | c;
        int slot = slot(key);
        while (edgeKeys[slot] >= 0) {
            slot = (slot + 1) & edgeMask;
        }
        edgeKeys[slot] = key;
        edgeTargets[slot] = target;
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 33) & edgeMask;
    }
}
