package io.moeplatform.core.user;

import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.User;

/** The logged-in console user: Spring Security's user plus the role and the tenant it is bound to. */
public class ConsoleUserDetails extends User {

    private final ConsoleRole role;
    private final @Nullable UUID tenantId;

    public ConsoleUserDetails(String username, String passwordHash, boolean enabled, boolean accountNonLocked,
            ConsoleRole role, @Nullable UUID tenantId) {
        super(username, passwordHash, enabled, true, true, accountNonLocked,
                List.of(new SimpleGrantedAuthority(role.authority())));
        this.role = role;
        this.tenantId = tenantId;
    }

    public ConsoleRole role() {
        return role;
    }

    /** Null for the platform admin. */
    public @Nullable UUID tenantId() {
        return tenantId;
    }
}
