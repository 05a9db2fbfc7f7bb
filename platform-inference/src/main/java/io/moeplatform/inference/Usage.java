package io.moeplatform.inference;

/**
 * Token counts of one request.
 *
 * @param promptTokens
 *            tokens of the prompt as the model saw it
 * @param completionTokens
 *            generated tokens over all choices
 * @param cachedPromptTokens
 *            prompt tokens served from the prefix cache instead of being
 *            computed
 */
public record Usage(int promptTokens, int completionTokens, int cachedPromptTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
