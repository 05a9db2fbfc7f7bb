package io.moeplatform.inference.model;

import org.jspecify.annotations.Nullable;

/**
 * The part of one sequence that a step computes.
 *
 * @param sequenceId
 *            stable id of the sequence while it lives
 * @param tokenIds
 *            tokens at positions
 *            {@code startPosition .. startPosition + tokenIds.length - 1}: a
 *            prefill chunk, or one token when decoding
 * @param startPosition
 *            number of tokens whose KV is already in the sequence's blocks
 * @param blockTable
 *            KV block ids of the sequence in position order; covers at least
 *            {@code startPosition +
 *     tokenIds.length} positions. Blocks before {@code startPosition} may be
 *            shared with other sequences (prefix cache) and are only read.
 * @param needsLogits
 *            whether the step must return logits for the slice's last token
 *            (false for all but the last chunk of a chunked prefill)
 * @param loraAdapterId
 *            LoRA adapter applied to this slice, or null
 */
public record SequenceSlice(long sequenceId, int[] tokenIds, int startPosition, int[] blockTable, boolean needsLogits,
        @Nullable String loraAdapterId) {}
