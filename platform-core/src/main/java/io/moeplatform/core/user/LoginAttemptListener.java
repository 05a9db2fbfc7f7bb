package io.moeplatform.core.user;

import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.authentication.event.AuthenticationSuccessEvent;
import org.springframework.stereotype.Component;

/**
 * Feeds the lockout counters from Spring Security's authentication events (published by the application's
 * authentication manager). Only console users are counted: API keys do not authenticate through it.
 */
@Component
class LoginAttemptListener {

    private final ConsoleUserService users;

    LoginAttemptListener(ConsoleUserService users) {
        this.users = users;
    }

    @EventListener
    void onFailure(AuthenticationFailureBadCredentialsEvent event) {
        users.recordLoginFailure(event.getAuthentication().getName());
    }

    @EventListener
    void onSuccess(AuthenticationSuccessEvent event) {
        if (event.getAuthentication().getPrincipal() instanceof ConsoleUserDetails details) {
            users.recordLoginSuccess(details.getUsername());
        }
    }
}
