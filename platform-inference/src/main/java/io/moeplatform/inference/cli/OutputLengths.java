package io.moeplatform.inference.cli;

import java.util.SplittableRandom;

/**
 * Output lengths of a serving run: {@code N} for every request, or {@code MIN..MAX} drawn uniformly (inclusive) from
 * the run's seeded random stream.
 */
record OutputLengths(int min, int max) {

    static OutputLengths parse(String command, String spec) {
        String[] parts = spec.strip().split("\\.\\.", -1);
        try {
            int min = Integer.parseInt(parts[0].strip());
            int max = parts.length == 2 ? Integer.parseInt(parts[1].strip()) : min;
            if (parts.length > 2 || min < 1 || max < min) {
                throw new NumberFormatException();
            }
            return new OutputLengths(min, max);
        } catch (NumberFormatException e) {
            throw new CliUsageException(command + ": an output length is N or MIN..MAX with 1 <= MIN <= MAX, got '"
                    + spec + "'");
        }
    }

    int draw(SplittableRandom random) {
        return min == max ? min : random.nextInt(min, max + 1);
    }

    @Override
    public String toString() {
        return min == max ? Integer.toString(min) : min + ".." + max;
    }
}
