package io.moeplatform.inference.sampling;

/** The tokens a sequence has seen, as penalties need them. */
public interface TokenHistory {

    /** How often the token was generated so far (for presence and frequency penalties). */
    int generatedCount(int tokenId);

    /** Whether the token appears in the prompt or the generated tokens (for the repetition penalty). */
    boolean seen(int tokenId);
}
