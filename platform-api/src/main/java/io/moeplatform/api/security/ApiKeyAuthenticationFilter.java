package io.moeplatform.api.security;

import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiError;
import io.moeplatform.api.openai.error.OpenAiErrorWriter;
import io.moeplatform.core.apikey.ApiKeyAuthenticator;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code /v1} requests by API key: {@code Authorization: Bearer <key>} as the OpenAI SDKs send it,
 * or an {@code api-key} header (Azure-style clients). Missing, unknown, revoked or expired keys get OpenAI's 401
 * body; the presented secret is never logged or echoed.
 */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    private static final String BEARER = "Bearer ";

    private final ApiKeyAuthenticator authenticator;
    private final OpenAiErrorWriter errors;

    ApiKeyAuthenticationFilter(ApiKeyAuthenticator authenticator, OpenAiErrorWriter errors) {
        this.authenticator = authenticator;
        this.errors = errors;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String secret = presentedSecret(request);
        if (secret == null) {
            unauthorized(response, "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.");
            return;
        }
        var key = authenticator.authenticate(secret);
        if (key.isEmpty()) {
            unauthorized(response, "Incorrect API key provided. The key is unknown, revoked or expired, "
                    + "or its tenant is suspended; ask your administrator for a valid key.");
            return;
        }
        var context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(new ApiKeyAuthentication(key.get()));
        SecurityContextHolder.setContext(context);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private static @Nullable String presentedSecret(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String secret = authorization.substring(BEARER.length()).strip();
            return secret.isEmpty() ? null : secret;
        }
        String apiKey = request.getHeader("api-key");
        return apiKey == null || apiKey.isBlank() ? null : apiKey.strip();
    }

    private void unauthorized(HttpServletResponse response, String message) throws IOException {
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        errors.write(response, HttpServletResponse.SC_UNAUTHORIZED,
                OpenAiError.of(message, ErrorTypes.INVALID_REQUEST, null, "invalid_api_key"));
    }
}
