package io.moeplatform.api.openai.completions;

import io.moeplatform.api.openai.AdapterHeaders;
import io.moeplatform.api.openai.ResponseIds;
import io.moeplatform.api.openai.SamplingFields;
import io.moeplatform.api.openai.SseStream;
import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiApiException;
import io.moeplatform.api.pipeline.CompletionPipeline;
import io.moeplatform.api.pipeline.Generation;
import io.moeplatform.api.pipeline.InferenceInput;
import io.moeplatform.api.pipeline.ModelReference;
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

/** {@code POST /v1/completions}: text completion of one or more prompts, streamed when asked. */
@RestController
class CompletionController {

    private final CompletionPipeline pipeline;
    private final InferenceService inference;
    private final JsonMapper json;

    CompletionController(CompletionPipeline pipeline, InferenceService inference, JsonMapper json) {
        this.pipeline = pipeline;
        this.inference = inference;
        this.json = json;
    }

    @PostMapping(path = "/v1/completions", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> create(@RequestBody CompletionRequest request, @AuthenticationPrincipal AuthenticatedKey caller,
            HttpServletResponse response) throws IOException, InterruptedException {
        InferenceInput input = toInput(request);
        long created = Instant.now().getEpochSecond();
        String fingerprint = ResponseIds.fingerprint(inference, input.model());
        try (Generation generation = pipeline.start(caller, input)) {
            AdapterHeaders.set(response, generation);
            var assembler = new CompletionAssembler(generation, created, fingerprint, request.logprobs() != null);
            if (!request.streaming()) {
                return ResponseEntity.ok().header("x-request-id", input.requestId()).body(assembler.collect());
            }
            response.setHeader("x-request-id", input.requestId());
            assembler.stream(new SseStream(response, json), request.includeUsage());
            return null;
        }
    }

    private InferenceInput toInput(CompletionRequest request) {
        if (request.model() == null || request.model().isBlank()) {
            throw new OpenAiApiException(HttpStatus.BAD_REQUEST, "You must provide a model parameter.",
                    ErrorTypes.INVALID_REQUEST, "model", "missing_required_parameter");
        }
        if (Boolean.TRUE.equals(request.echo())) {
            throw OpenAiApiException.invalidParameter("echo", "echo is not supported; send \"echo\": false.");
        }
        if (request.suffix() != null && !request.suffix().isEmpty()) {
            throw OpenAiApiException.invalidParameter("suffix", "suffix (insertion) is not supported by this model.");
        }
        int n = SamplingFields.n(request.n());
        if (request.bestOf() != null && request.bestOf() != n) {
            throw OpenAiApiException.invalidParameter("best_of",
                    "best_of is not supported; leave it out or set it to n.");
        }
        int topLogprobs = -1;
        if (request.logprobs() != null) {
            topLogprobs = request.logprobs();
            if (topLogprobs < 0 || topLogprobs > 20) {
                throw OpenAiApiException.invalidParameter("logprobs", "logprobs must be between 0 and 20.");
            }
        }
        SamplingParams sampling = request.sampling().toParams(request.maxTokens(), "max_tokens", topLogprobs);
        ModelReference reference = pipeline.reference(request.model(), request.adapter());
        return new InferenceInput(ResponseIds.newId("cmpl-"), reference.model(), Prompts.parse(request.prompt()),
                "prompt", sampling, "max_tokens", SamplingFields.stop(request.stop()), n, request.streaming(),
                request.user(), reference.adapter());
    }
}
