package io.moeplatform.inference;

/** Why a choice stopped, in OpenAI's vocabulary where one exists. */
public enum FinishReason {
    /** An end-of-sequence token, a stop token id or a stop string. */
    STOP,
    /** {@code max_tokens} or the context length was reached. */
    LENGTH,
    /** The caller cancelled (e.g. the client went away). */
    CANCELLED;

    /** The value of OpenAI's {@code finish_reason} field. */
    public String openAiName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
