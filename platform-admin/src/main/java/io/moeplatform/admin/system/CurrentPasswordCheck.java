package io.moeplatform.admin.system;

import io.moeplatform.core.user.ConsoleUserService;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Checks a signed-in user's current password before it may be changed. A wrong one counts as a failed login, so
 * a stolen session cannot guess the password here faster than at the sign-in form.
 */
@Component
class CurrentPasswordCheck {

    private final UserDetailsService userDetails;
    private final PasswordEncoder passwords;
    private final ConsoleUserService users;

    CurrentPasswordCheck(UserDetailsService userDetails, PasswordEncoder passwords, ConsoleUserService users) {
        this.userDetails = userDetails;
        this.passwords = passwords;
        this.users = users;
    }

    boolean matches(String username, String password) {
        var stored = userDetails.loadUserByUsername(username).getPassword();
        if (stored != null && passwords.matches(password, stored)) {
            return true;
        }
        users.recordLoginFailure(username);
        return false;
    }
}
