package io.moeplatform.inference.engine;

import io.moeplatform.inference.GenerationRequest;
import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.StopConditions;
import io.moeplatform.inference.sampling.SamplingParamsValidator;
import org.jspecify.annotations.Nullable;

/**
 * Checks a request against the served model before it is queued, so that every
 * error a client can cause is reported at submit with the field to change.
 */
final class RequestValidator {

    private final int vocabularySize;
    private final int contextLength;
    private final int kvPoolTokens;
    private final int maxRunningSequences;

    RequestValidator(int vocabularySize, int contextLength, int kvPoolTokens, int maxRunningSequences) {
        this.vocabularySize = vocabularySize;
        this.contextLength = contextLength;
        this.kvPoolTokens = kvPoolTokens;
        this.maxRunningSequences = maxRunningSequences;
    }

    void validate(GenerationRequest request) {
        int[] prompt = request.promptTokenIds();
        if (prompt.length == 0) {
            throw invalid("The prompt is empty; send at least one message with content", "messages", null);
        }
        for (int tokenId : prompt) {
            if (tokenId < 0 || tokenId >= vocabularySize) {
                throw invalid("Prompt token id " + tokenId + " is outside the model's vocabulary (0.."
                        + (vocabularySize - 1) + ")", "prompt", "invalid_token_id");
            }
        }
        if (request.n() < 1) {
            throw invalid("n must be at least 1, got " + request.n(), "n", null);
        }
        // all choices of a request run at once, so more than fit in the batch could never be admitted
        int cap = request.schedulingClass().maxConcurrent();
        int most = cap > 0 ? Math.min(cap, maxRunningSequences) : maxRunningSequences;
        if (request.n() > most) {
            throw invalid("n is " + request.n() + " but at most " + most
                    + " sequences of this tenant can run at once; lower n", "n", null);
        }
        SamplingParamsValidator.validate(request.sampling(), vocabularySize);
        int maxTokens = request.sampling().maxTokens();
        if (prompt.length + maxTokens > contextLength) {
            throw invalid("This model's maximum context length is " + contextLength + " tokens, but the request needs "
                    + (prompt.length + maxTokens) + " (" + prompt.length + " in the messages, " + maxTokens
                    + " in max_tokens); shorten the messages or lower max_tokens", "messages",
                    "context_length_exceeded");
        }
        if (prompt.length + maxTokens > kvPoolTokens) {
            throw invalid(
                    "The request needs KV cache for " + (prompt.length + maxTokens)
                            + " tokens but this engine's KV pool holds "
                            + kvPoolTokens + "; shorten the messages or lower max_tokens",
                    "max_tokens", "context_length_exceeded");
        }
        validateStop(request.stop());
    }

    private void validateStop(StopConditions stop) {
        for (String stopString : stop.stopStrings()) {
            if (stopString.isEmpty()) {
                throw invalid("stop strings must not be empty", "stop", null);
            }
        }
        for (int tokenId : stop.stopTokenIds()) {
            if (tokenId < 0 || tokenId >= vocabularySize) {
                throw invalid(
                        "Stop token id " + tokenId + " is outside the model's vocabulary (0.." + (vocabularySize - 1)
                                + ")",
                        "stop_token_ids", null);
            }
        }
    }

    private static InvalidGenerationRequestException invalid(String message, String param, @Nullable String code) {
        return new InvalidGenerationRequestException(message, param, code);
    }
}
