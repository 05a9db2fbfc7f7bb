package io.moeplatform.inference.engine;

import java.util.List;

/**
 * Finds stop strings in streamed text. Text that could still be the beginning
 * of a stop string is held back, so no stop string (or part of one) is ever
 * emitted, and a stop string may span several tokens.
 */
final class StopStringMatcher {

    private final List<String> stopStrings;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStringMatcher(List<String> stopStrings) {
        this.stopStrings = stopStrings;
    }

    /**
     * Adds a text delta and returns the text that is now safe to emit: everything
     * before a found stop string (then {@link #stopped()} is true), otherwise
     * everything except the longest tail that begins a stop string.
     */
    String push(String delta) {
        if (stopped) {
            return "";
        }
        held.append(delta);
        if (stopStrings.isEmpty()) {
            return release(held.length());
        }
        int first = -1;
        for (String stop : stopStrings) {
            int at = held.indexOf(stop);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            stopped = true;
            String safe = held.substring(0, first);
            held.setLength(0);
            return safe;
        }
        return release(held.length() - longestStopPrefixSuffix());
    }

    /** Whatever is held back, when the stream ends for another reason. */
    String flush() {
        return stopped ? "" : release(held.length());
    }

    boolean stopped() {
        return stopped;
    }

    private String release(int length) {
        String safe = held.substring(0, length);
        held.delete(0, length);
        return safe;
    }

    /** Length of the longest suffix of the held text that is a proper prefix of a stop string. */
    private int longestStopPrefixSuffix() {
        String text = held.toString();
        int longest = 0;
        for (String stop : stopStrings) {
            int max = Math.min(stop.length() - 1, text.length());
            for (int length = max; length > longest; length--) {
                if (text.regionMatches(text.length() - length, stop, 0, length)) {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
