package io.moeplatform.core.user;

import java.time.Clock;
import java.time.Instant;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.stereotype.Service;

/** Loads console users for form login; locked accounts come back as locked until their lockout ends. */
@Service
public class ConsoleUserDetailsService implements UserDetailsService {

    private final ConsoleUserService users;
    private final Clock clock;

    ConsoleUserDetailsService(ConsoleUserService users, Clock clock) {
        this.users = users;
        this.clock = clock;
    }

    @Override
    public UserDetails loadUserByUsername(String username) {
        var user = users.find(username).orElseThrow(() -> new UsernameNotFoundException("No such user"));
        var hash = users.passwordHash(username).orElseThrow(() -> new UsernameNotFoundException("No such user"));
        var locked = user.lockedUntil() != null && Instant.now(clock).isBefore(user.lockedUntil());
        return new ConsoleUserDetails(user.username(), hash, user.enabled(), !locked, user.role(), user.tenantId());
    }
}
