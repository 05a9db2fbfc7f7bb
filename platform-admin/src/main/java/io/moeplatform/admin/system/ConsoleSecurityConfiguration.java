package io.moeplatform.admin.system;

import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.ExceptionMappingAuthenticationFailureHandler;

/**
 * The console's filter chain (after the API's, before actuator's): form login with CSRF, session fixation
 * protection and lockout (counted in core), and role rules. Reading needs a signed-in user; changing needs
 * {@code TENANT_ADMIN} or {@code PLATFORM_ADMIN} (the injection preview, which changes nothing, excepted);
 * creating, suspending and resuming tenants and changing their limits only the platform admin (a tenant must not
 * raise its own quota).
 * Which tenant a tenant-bound user may touch is checked by {@link ConsoleAccess} in the controllers.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurityConfiguration {

    /** Everything from our own origin; no inline scripts or styles, no framing. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'";

    @Bean
    @Order(2)
    SecurityFilterChain consoleChain(HttpSecurity http) throws Exception {
        var failures = new ExceptionMappingAuthenticationFailureHandler();
        failures.setDefaultFailureUrl("/admin/login?error");
        failures.setExceptionMappings(Map.of(LockedException.class.getName(), "/admin/login?locked"));
        http.securityMatcher("/admin", "/admin/**")
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/admin/login", "/admin/denied", "/admin/assets/**", "/admin/webjars/**")
                        .permitAll()
                        .requestMatchers(HttpMethod.POST, "/admin/password", "/admin/logout").authenticated()
                        // the injection preview is a POST (the prompt can be long) but changes nothing: a viewer
                        // of the tenant may run it
                        .requestMatchers(HttpMethod.POST, "/admin/tenants/*/adapters/*/preview").authenticated()
                        .requestMatchers("/admin/tenants/new", "/admin/users", "/admin/users/**")
                        .hasRole("PLATFORM_ADMIN")
                        .requestMatchers(HttpMethod.POST, "/admin/tenants", "/admin/tenants/*/suspend",
                                "/admin/tenants/*/resume", "/admin/tenants/*/quotas")
                        .hasRole("PLATFORM_ADMIN")
                        .requestMatchers(HttpMethod.POST, "/admin/**").hasAnyRole("PLATFORM_ADMIN", "TENANT_ADMIN")
                        .anyRequest().authenticated())
                .formLogin(form -> form.loginPage("/admin/login").loginProcessingUrl("/admin/login")
                        .defaultSuccessUrl("/admin", false).failureHandler(failures).permitAll())
                .logout(logout -> logout.logoutUrl("/admin/logout").logoutSuccessUrl("/admin/login?logout"))
                .sessionManagement(session -> session.sessionFixation(fixation -> fixation.changeSessionId()))
                .exceptionHandling(exceptions -> exceptions.accessDeniedPage("/admin/denied"))
                .headers(headers -> headers.frameOptions(frame -> frame.deny())
                        .contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY)));
        return http.build();
    }
}
