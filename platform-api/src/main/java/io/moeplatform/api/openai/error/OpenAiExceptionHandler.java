package io.moeplatform.api.openai.error;

import io.moeplatform.adapters.catalog.AdapterException;
import io.moeplatform.adapters.kg.importing.GraphImportException;
import io.moeplatform.api.shutdown.ServerDrainingException;
import io.moeplatform.core.quota.QuotaExceededException;
import io.moeplatform.core.quota.RequestNotAllowedException;
import io.moeplatform.inference.EngineOverloadedException;
import io.moeplatform.inference.GenerationFailedException;
import io.moeplatform.inference.InvalidGenerationRequestException;
import io.moeplatform.inference.ModelNotFoundException;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.databind.DatabindException;

/**
 * Turns every failure of the {@code /v1} API into OpenAI's error body with the matching status. Messages of
 * failures the client caused say what to change; failures we caused are logged with a request id and answered
 * without details.
 */
@RestControllerAdvice(basePackages = {"io.moeplatform.api.openai", "io.moeplatform.api.usage",
        "io.moeplatform.api.adapters"})
class OpenAiExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(OpenAiExceptionHandler.class);

    @ExceptionHandler(OpenAiApiException.class)
    ResponseEntity<OpenAiError> api(OpenAiApiException e) {
        return ResponseEntity.status(e.status()).body(e.body());
    }

    @ExceptionHandler(ModelNotFoundException.class)
    ResponseEntity<OpenAiError> modelNotFound(ModelNotFoundException e) {
        return error(HttpStatus.NOT_FOUND, e.getMessage(), ErrorTypes.INVALID_REQUEST, "model", "model_not_found");
    }

    @ExceptionHandler(AdapterException.class)
    ResponseEntity<OpenAiError> adapter(AdapterException e) {
        return switch (e.reason()) {
            case NOT_FOUND -> error(HttpStatus.NOT_FOUND, e.getMessage(), ErrorTypes.NOT_FOUND, e.param(),
                    "adapter_not_found");
            case INVALID -> error(HttpStatus.BAD_REQUEST, e.getMessage(), ErrorTypes.INVALID_REQUEST, e.param(),
                    "invalid_adapter");
            case CONFLICT -> error(HttpStatus.CONFLICT, e.getMessage(), ErrorTypes.INVALID_REQUEST, e.param(),
                    "adapter_exists");
            case UNAVAILABLE -> error(HttpStatus.BAD_REQUEST, e.getMessage(), ErrorTypes.INVALID_REQUEST, e.param(),
                    "adapter_unavailable");
        };
    }

    /** A refused knowledge-graph file: 400 naming the line or JSON path of each problem (the first ones). */
    @ExceptionHandler(GraphImportException.class)
    ResponseEntity<OpenAiError> graphImport(GraphImportException e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage(), ErrorTypes.INVALID_REQUEST, "file",
                "invalid_knowledge_graph");
    }

    @ExceptionHandler(InvalidGenerationRequestException.class)
    ResponseEntity<OpenAiError> invalid(InvalidGenerationRequestException e) {
        return error(HttpStatus.BAD_REQUEST, e.getMessage(), ErrorTypes.INVALID_REQUEST, e.param(), e.code());
    }

    @ExceptionHandler(EngineOverloadedException.class)
    ResponseEntity<OpenAiError> overloaded(EngineOverloadedException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1")
                .body(OpenAiError.of(e.getMessage(), ErrorTypes.OVERLOADED, null, "engine_overloaded"));
    }

    @ExceptionHandler(ServerDrainingException.class)
    ResponseEntity<OpenAiError> draining(ServerDrainingException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header("Retry-After", "1")
                .body(OpenAiError.of(e.getMessage(), ErrorTypes.OVERLOADED, null, "server_shutting_down"));
    }

    @ExceptionHandler(QuotaExceededException.class)
    ResponseEntity<OpenAiError> quota(QuotaExceededException e) {
        long seconds = Math.max(1, (e.retryAfter().toMillis() + 999) / 1000);
        var response = ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS).header("Retry-After",
                Long.toString(seconds));
        if (e.budgetExhausted()) {
            response.header("x-should-retry", "false");
        }
        return response.body(OpenAiError.of(e.getMessage(), ErrorTypes.RATE_LIMIT, null, e.code()));
    }

    @ExceptionHandler(RequestNotAllowedException.class)
    ResponseEntity<OpenAiError> notAllowed(RequestNotAllowedException e) {
        // Which model or adapter a tenant may use is a permission (403); other named fields are values to fix (400).
        if (e.param() != null && !e.param().equals("model") && !e.param().equals("adapter")) {
            return error(HttpStatus.BAD_REQUEST, e.getMessage(), ErrorTypes.INVALID_REQUEST, e.param(), e.code());
        }
        return error(HttpStatus.FORBIDDEN, e.getMessage(), ErrorTypes.PERMISSION, e.param(), e.code());
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<OpenAiError> unreadable(HttpMessageNotReadableException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RequestBodyTooLargeException tooLarge) {
                return error(HttpStatus.CONTENT_TOO_LARGE, tooLarge.getMessage(), ErrorTypes.INVALID_REQUEST, null,
                        "request_too_large");
            }
            if (t instanceof DatabindException bind && !bind.getPath().isEmpty()) {
                String param = bind.getPathReference();
                var field = bind.getPath().getLast().getPropertyName();
                return error(HttpStatus.BAD_REQUEST,
                        "Invalid value for '" + (field != null ? field : param) + "': " + bind.getOriginalMessage(),
                        ErrorTypes.INVALID_REQUEST, field, "invalid_value");
            }
        }
        return error(HttpStatus.BAD_REQUEST,
                "The request body is not valid JSON. Send a JSON object as described in the API reference.",
                ErrorTypes.INVALID_REQUEST, null, "invalid_json");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<OpenAiError> mediaType(HttpMediaTypeNotSupportedException e) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Send the request body as 'Content-Type: application/json'",
                ErrorTypes.INVALID_REQUEST, null, null);
    }

    @ExceptionHandler(HttpRequestMethodNotSupportedException.class)
    ResponseEntity<OpenAiError> method(HttpRequestMethodNotSupportedException e) {
        return error(HttpStatus.METHOD_NOT_ALLOWED, "Method " + e.getMethod() + " is not allowed on this URL",
                ErrorTypes.INVALID_REQUEST, null, null);
    }

    @ExceptionHandler(MissingServletRequestParameterException.class)
    ResponseEntity<OpenAiError> missing(MissingServletRequestParameterException e) {
        return error(HttpStatus.BAD_REQUEST, "Missing query parameter '" + e.getParameterName() + "'",
                ErrorTypes.INVALID_REQUEST, e.getParameterName(), "missing_parameter");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<OpenAiError> mismatch(MethodArgumentTypeMismatchException e) {
        return error(HttpStatus.BAD_REQUEST, "Invalid value for '" + e.getName() + "'", ErrorTypes.INVALID_REQUEST,
                e.getName(), "invalid_value");
    }

    @ExceptionHandler(NoResourceFoundException.class)
    ResponseEntity<OpenAiError> noResource(NoResourceFoundException e) {
        return error(HttpStatus.NOT_FOUND, "Unknown request URL: /" + e.getResourcePath(),
                ErrorTypes.INVALID_REQUEST, null, "unknown_url");
    }

    @ExceptionHandler(GenerationFailedException.class)
    ResponseEntity<OpenAiError> generationFailed(GenerationFailedException e) {
        return internal(e);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<OpenAiError> internal(Exception e) {
        String incident = "req_" + UUID.randomUUID().toString().replace("-", "");
        log.error("Request failed, incident {}", incident, e);
        return error(HttpStatus.INTERNAL_SERVER_ERROR,
                "The server had an error while processing your request (incident " + incident + ")",
                ErrorTypes.SERVER, null, "internal_error");
    }

    private static ResponseEntity<OpenAiError> error(HttpStatus status, String message, String type,
            @Nullable String param, @Nullable String code) {
        return ResponseEntity.status(status).body(OpenAiError.of(message, type, param, code));
    }
}
