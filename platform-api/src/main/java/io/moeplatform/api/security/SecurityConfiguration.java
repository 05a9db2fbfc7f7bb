package io.moeplatform.api.security;

import io.moeplatform.api.openai.error.ErrorTypes;
import io.moeplatform.api.openai.error.OpenAiError;
import io.moeplatform.api.openai.error.OpenAiErrorWriter;
import io.moeplatform.core.apikey.ApiKeyAuthenticator;
import io.moeplatform.core.apikey.ApiKeyService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * The application's filter chains, most specific first: {@code /v1/**} by API key (stateless, no CSRF, OpenAI error
 * bodies; scope {@code inference} for inference, {@code adapters:write} for {@code /v1/adapters/**}), then (order 2)
 * the console's {@code /admin/**} chain, which platform-admin contributes, then {@code /actuator/**} open for health
 * and token-protected for Prometheus, and everything else denied.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    @Bean
    @Order(1)
    SecurityFilterChain apiChain(HttpSecurity http, ApiKeyAuthenticator authenticator, OpenAiErrorWriter errors)
            throws Exception {
        http.securityMatcher("/v1/**")
                .authorizeHttpRequests(requests -> requests.requestMatchers("/v1/usage", "/v1/usage/**")
                        .authenticated().requestMatchers(ADAPTER_ADMINISTRATION)
                        .hasAuthority("SCOPE_" + ApiKeyService.SCOPE_ADAPTERS).anyRequest()
                        .hasAuthority("SCOPE_" + ApiKeyService.SCOPE_INFERENCE))
                .addFilterBefore(new ApiKeyAuthenticationFilter(authenticator, errors),
                        BasicAuthenticationFilter.class)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable()).requestCache(cache -> cache.disable())
                .securityContext(context -> context.requireExplicitSave(true)).formLogin(form -> form.disable())
                .httpBasic(basic -> basic.disable()).logout(logout -> logout.disable())
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint((request, response, e) -> errors.write(response,
                                HttpServletResponse.SC_UNAUTHORIZED,
                                OpenAiError.of("You didn't provide an API key.", ErrorTypes.INVALID_REQUEST, null,
                                        "invalid_api_key")))
                        .accessDeniedHandler((request, response, e) -> errors.write(response,
                                HttpServletResponse.SC_FORBIDDEN,
                                OpenAiError.of(missingScope(request), ErrorTypes.PERMISSION, null,
                                        "insufficient_scope"))));
        return http.build();
    }

    /** The tenant's adapter administration: keys with the adapters scope, not inference keys. */
    static final String[] ADAPTER_ADMINISTRATION = {"/v1/adapters", "/v1/adapters/**", "/v1/default-adapter"};

    private static String missingScope(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        boolean administration = path.equals("/v1/adapters") || path.startsWith("/v1/adapters/")
                || path.equals("/v1/default-adapter");
        return administration
                ? "This API key does not have the scope '" + ApiKeyService.SCOPE_ADAPTERS
                        + "' needed to administer adapters; use a key issued with that scope."
                : "This API key does not have the scope '" + ApiKeyService.SCOPE_INFERENCE
                        + "' needed for this endpoint; use a key issued for inference.";
    }

    @Bean
    @Order(3)
    SecurityFilterChain actuatorChain(HttpSecurity http, MetricsProperties metrics) throws Exception {
        http.securityMatcher("/actuator/**")
                .authorizeHttpRequests(requests -> requests.requestMatchers("/actuator/health", "/actuator/health/**")
                        .permitAll().requestMatchers("/actuator/prometheus")
                        .hasAuthority(ScrapeTokenFilter.AUTHORITY).anyRequest().denyAll())
                .addFilterBefore(new ScrapeTokenFilter(metrics.scrapeToken()), BasicAuthenticationFilter.class)
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable()).requestCache(cache -> cache.disable())
                .exceptionHandling(
                        exceptions -> exceptions
                                .authenticationEntryPoint(new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED)));
        return http.build();
    }

    @Bean
    @Order(4)
    SecurityFilterChain denyEverythingElse(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(requests -> requests.requestMatchers("/error").permitAll().anyRequest().denyAll())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.disable());
        return http.build();
    }
}
