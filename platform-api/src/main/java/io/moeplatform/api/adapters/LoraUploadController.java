package io.moeplatform.api.adapters;

import io.moeplatform.adapters.lora.LoraAdapterRegistry;
import io.moeplatform.adapters.lora.LoraUploadTooLargeException;
import io.moeplatform.adapters.lora.LoraVersion;
import io.moeplatform.api.adapters.AdapterBodies.ListOf;
import io.moeplatform.api.adapters.AdapterBodies.LoraWeights;
import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiError;
import io.moeplatform.core.apikey.AuthenticatedKey;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * LoRA weights of the caller's tenant's adapters (scope {@code adapters:write}). {@code PUT
 * /v1/adapters/{name}/lora} takes a zip of a PEFT adapter ({@code adapter_config.json} and
 * {@code adapter_model.safetensors}, at the top of the zip or in one folder) as the raw request body, up to
 * {@code platform.adapters.lora.max-upload-size}; {@code ?model=} names the served model when the adapter has no
 * base model and several are served. The engine validates it against that model before anything is stored: a
 * mismatch is a 400 naming the field or tensor, and nothing is kept. Success stores the next version and answers 201
 * with what the engine found (rank, alpha, target modules, sizes, SHA-256).
 */
@RestController
class LoraUploadController {

    private final LoraAdapterRegistry registry;

    LoraUploadController(LoraAdapterRegistry registry) {
        this.registry = registry;
    }

    @PutMapping("/v1/adapters/{name}/lora")
    ResponseEntity<LoraWeights> upload(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name,
            @RequestParam(required = false) @Nullable String model, HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > registry.maxUploadBytes()) {
            throw new LoraUploadTooLargeException("The upload", registry.maxUploadBytes());
        }
        try (InputStream body = request.getInputStream()) {
            LoraVersion version = registry.upload(caller.tenantId(), name, model, body,
                    "key:" + caller.keyPrefix());
            return ResponseEntity.status(HttpStatus.CREATED).body(LoraWeights.of(name, version));
        }
    }

    /** The serving version; 404 before the first upload. */
    @GetMapping("/v1/adapters/{name}/lora")
    ResponseEntity<?> current(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name) {
        return registry.current(caller.tenantId(), name)
                .<ResponseEntity<?>>map(v -> ResponseEntity.ok(LoraWeights.of(name, v)))
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND).body(OpenAiError.of("The LoRA adapter '"
                        + name + "' has no weights yet; upload them with PUT /v1/adapters/" + name + "/lora.",
                        ErrorTypes.NOT_FOUND, "adapter", "lora_weights_not_found")));
    }

    /** The stored versions, serving one first (the previous one is kept until the next upload). */
    @GetMapping("/v1/adapters/{name}/lora/versions")
    ListOf<LoraWeights> versions(@AuthenticationPrincipal AuthenticatedKey caller, @PathVariable String name) {
        return ListOf.of(registry.versions(caller.tenantId(), name).stream().map(v -> LoraWeights.of(name, v))
                .toList());
    }

    @ExceptionHandler(LoraUploadTooLargeException.class)
    ResponseEntity<OpenAiError> tooLarge(LoraUploadTooLargeException e) {
        return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE)
                .body(OpenAiError.of(e.getMessage(), ErrorTypes.INVALID_REQUEST, "file", "request_too_large"));
    }
}
