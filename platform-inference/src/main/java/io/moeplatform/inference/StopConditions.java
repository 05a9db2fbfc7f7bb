package io.moeplatform.inference;

import java.util.List;
import java.util.Set;

/**
 * When a choice ends besides {@code max_tokens}.
 *
 * @param stopStrings
 *            the text is cut before the first occurrence of any of these (not
 *            included in the output)
 * @param stopTokenIds
 *            token ids that end the choice (in addition to the model's
 *            end-of-sequence tokens)
 * @param ignoreEos
 *            keep generating past end-of-sequence tokens (benchmarks)
 */
public record StopConditions(List<String> stopStrings, Set<Integer> stopTokenIds, boolean ignoreEos) {
    public static final StopConditions NONE = new StopConditions(List.of(), Set.of(), false);
}
