package io.moeplatform.inference;

import java.util.List;

/**
 * Log-probability of a sampled token and the most likely alternatives at that
 * position.
 */
public record TokenLogprob(int tokenId, String token, byte[] bytes, float logprob, List<Alternative> top) {

    /** One alternative at the same position. */
    public record Alternative(int tokenId, String token, byte[] bytes, float logprob) {}
}
