package io.moeplatform.api.openai.chat;

import io.moeplatform.api.openai.AdapterHeaders;
import io.moeplatform.api.openai.ResponseIds;
import io.moeplatform.api.openai.SamplingFields;
import io.moeplatform.api.openai.SseStream;
import io.moeplatform.api.openai.UsageBody;
import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.api.pipeline.CompletionPipeline;
import io.moeplatform.api.pipeline.Generation;
import io.moeplatform.api.pipeline.InferenceInput;
import io.moeplatform.api.pipeline.ModelReference;
import io.moeplatform.api.pipeline.PromptInput;
import io.moeplatform.core.apikey.AuthenticatedKey;
import io.moeplatform.inference.InferenceService;
import io.moeplatform.inference.SamplingParams;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST /v1/chat/completions}: one JSON response, or server-sent events when {@code stream} is true. */
@RestController
class ChatCompletionController {

    private final CompletionPipeline pipeline;
    private final InferenceService inference;
    private final JsonMapper json;

    ChatCompletionController(CompletionPipeline pipeline, InferenceService inference, JsonMapper json) {
        this.pipeline = pipeline;
        this.inference = inference;
        this.json = json;
    }

    @PostMapping(path = "/v1/chat/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> create(@RequestBody ChatCompletionRequest request,
            @AuthenticationPrincipal AuthenticatedKey caller,
            HttpServletResponse response) throws IOException, InterruptedException {
        InferenceInput input = toInput(request);
        long created = Instant.now().getEpochSecond();
        String fingerprint = ResponseIds.fingerprint(inference, input.model());
        try (Generation generation = pipeline.start(caller, input)) {
            AdapterHeaders.set(response, generation);
            var assembler = new ChatChunkAssembler(generation, created, fingerprint,
                    Boolean.TRUE.equals(request.logprobs()));
            if (!request.streaming()) {
                return ResponseEntity.ok().header("x-request-id", input.requestId()).body(assembler.collect());
            }
            response.setHeader("x-request-id", input.requestId());
            assembler.stream(new SseStream(response, json), request.includeUsage());
            return null;
        }
    }

    private InferenceInput toInput(ChatCompletionRequest request) {
        if (request.model() == null || request.model().isBlank()) {
            throw new OpenAiApiException(HttpStatus.BAD_REQUEST, "You must provide a model parameter.",
                    ErrorTypes.INVALID_REQUEST, "model", "missing_required_parameter");
        }
        var messages = ChatMessages.parse(request.messages());
        String maxTokensParam = request.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        Integer maxTokens = request.maxCompletionTokens() != null
                ? request.maxCompletionTokens()
                : request.maxTokens();
        int topLogprobs = -1;
        if (Boolean.TRUE.equals(request.logprobs())) {
            topLogprobs = request.topLogprobs() == null ? 0 : request.topLogprobs();
            if (topLogprobs < 0 || topLogprobs > 20) {
                throw OpenAiApiException.invalidParameter("top_logprobs", "top_logprobs must be between 0 and 20.");
            }
        } else if (request.topLogprobs() != null) {
            throw OpenAiApiException.invalidParameter("top_logprobs",
                    "top_logprobs needs logprobs set to true; set \"logprobs\": true or drop top_logprobs.");
        }
        SamplingParams sampling = request.sampling().toParams(maxTokens, maxTokensParam, topLogprobs);
        ModelReference reference = pipeline.reference(request.model(), request.adapter());
        return new InferenceInput(ResponseIds.newId("chatcmpl-"), reference.model(), new PromptInput.Chat(messages),
                "messages", sampling, maxTokensParam, SamplingFields.stop(request.stop()),
                SamplingFields.n(request.n()), request.streaming(), request.user(), reference.adapter());
    }
}
