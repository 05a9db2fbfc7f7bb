package io.moeplatform.core.user;

import io.moeplatform.core.apikey.ApiKeySecurityProperties;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Console users: creation, passwords (slow hash), enabling, deletion and login lockout; changes are audited. */
@Service
public class ConsoleUserService {

    /** Shortest accepted console password. */
    public static final int MIN_PASSWORD_LENGTH = 12;

    static final String COLUMNS = "id, username, password_hash, role, tenant_id, enabled, failed_logins,"
            + " locked_until, created_at";

    private final JdbcClient jdbc;
    private final PasswordEncoder passwords;
    private final AuditLog audit;
    private final Clock clock;
    private final ApiKeySecurityProperties security;

    ConsoleUserService(JdbcClient jdbc, PasswordEncoder passwords, AuditLog audit, Clock clock,
            ApiKeySecurityProperties security) {
        this.jdbc = jdbc;
        this.passwords = passwords;
        this.audit = audit;
        this.clock = clock;
        this.security = security;
    }

    @Transactional
    public ConsoleUser create(String username, String password, ConsoleRole role, @Nullable UUID tenantId,
            String actor) {
        if (!username.matches("[A-Za-z0-9][A-Za-z0-9@._-]{0,99}")) {
            throw new IllegalArgumentException("User name '" + username
                    + "' is invalid: use 1 to 100 letters, digits, '@', '.', '_' or '-'.");
        }
        if (role.tenantBound() != (tenantId != null)) {
            throw new IllegalArgumentException(role.tenantBound()
                    ? "Role " + role + " needs a tenant."
                    : "Role " + role + " is platform-wide and takes no tenant.");
        }
        checkPassword(password);
        var id = UUID.randomUUID();
        try {
            jdbc.sql("INSERT INTO console_user (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, TRUE, 0, NULL, ?)")
                    .params(id, username, passwords.encode(password), role.name(), tenantId, now()).update();
        } catch (DuplicateKeyException e) {
            throw new IllegalArgumentException("A user named '" + username + "' already exists.");
        } catch (DataIntegrityViolationException e) {
            throw new IllegalArgumentException("No tenant with id " + tenantId, e);
        }
        var details = new LinkedHashMap<String, Object>();
        details.put("role", role.name());
        details.put("tenantId", tenantId == null ? null : tenantId.toString());
        audit.append(actor, AuditAction.USER_CREATED, tenantId, username, details);
        return find(username).orElseThrow();
    }

    @Transactional(readOnly = true)
    public Optional<ConsoleUser> find(String username) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM console_user WHERE username = ?").param(username)
                .query(ConsoleUserService::row).optional();
    }

    /** All users, or those of one tenant. */
    @Transactional(readOnly = true)
    public List<ConsoleUser> list(@Nullable UUID tenantId) {
        if (tenantId == null) {
            return jdbc.sql("SELECT " + COLUMNS + " FROM console_user ORDER BY username")
                    .query(ConsoleUserService::row).list();
        }
        return jdbc.sql("SELECT " + COLUMNS + " FROM console_user WHERE tenant_id = ? ORDER BY username")
                .param(tenantId).query(ConsoleUserService::row).list();
    }

    @Transactional(readOnly = true)
    public long count() {
        return jdbc.sql("SELECT COUNT(*) FROM console_user").query(Long.class).single();
    }

    @Transactional
    public void changePassword(String username, String newPassword, String actor) {
        checkPassword(newPassword);
        var user = require(username);
        jdbc.sql("UPDATE console_user SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?")
                .params(passwords.encode(newPassword), user.id()).update();
        audit.append(actor, AuditAction.USER_PASSWORD_CHANGED, user.tenantId(), username, Map.of());
    }

    @Transactional
    public void setEnabled(String username, boolean enabled, String actor) {
        var user = require(username);
        jdbc.sql("UPDATE console_user SET enabled = ? WHERE id = ?").params(enabled, user.id()).update();
        audit.append(actor, enabled ? AuditAction.USER_ENABLED : AuditAction.USER_DISABLED, user.tenantId(),
                username, Map.of());
    }

    @Transactional
    public void delete(String username, String actor) {
        var user = require(username);
        jdbc.sql("DELETE FROM console_user WHERE id = ?").param(user.id()).update();
        audit.append(actor, AuditAction.USER_DELETED, user.tenantId(), username, Map.of());
    }

    /** Ends a lockout at once (an administrator vouches for the user) and forgets earlier failed logins. */
    @Transactional
    public void unlock(String username, String actor) {
        var user = require(username);
        jdbc.sql("UPDATE console_user SET failed_logins = 0, locked_until = NULL WHERE id = ?").param(user.id())
                .update();
        audit.append(actor, AuditAction.USER_UNLOCKED, user.tenantId(), username, Map.of());
    }

    /** Counts a failed login; at {@code platform.security.max-failed-logins} in a row the account locks. */
    @Transactional
    public void recordLoginFailure(String username) {
        int updated = jdbc.sql("UPDATE console_user SET failed_logins = failed_logins + 1 WHERE username = ?")
                .param(username).update();
        if (updated == 0) {
            return; // unknown user: nothing to lock
        }
        var user = require(username);
        if (user.failedLogins() >= security.maxFailedLogins()) {
            var until = Instant.now(clock).plus(security.lockoutDuration());
            jdbc.sql("UPDATE console_user SET failed_logins = 0, locked_until = ? WHERE id = ?")
                    .params(until.atOffset(ZoneOffset.UTC), user.id()).update();
            audit.append("system", AuditAction.USER_LOCKED, user.tenantId(), username,
                    Map.of("lockedUntil", until.toString()));
        }
    }

    @Transactional
    public void recordLoginSuccess(String username) {
        jdbc.sql("UPDATE console_user SET failed_logins = 0 WHERE username = ? AND failed_logins > 0")
                .param(username).update();
    }

    /** The stored hash, for the login form's authentication only. */
    @Transactional(readOnly = true)
    Optional<String> passwordHash(String username) {
        return jdbc.sql("SELECT password_hash FROM console_user WHERE username = ?").param(username)
                .query(String.class).optional();
    }

    private ConsoleUser require(String username) {
        return find(username).orElseThrow(() -> new IllegalArgumentException("No user named '" + username + "'"));
    }

    private static void checkPassword(String password) {
        if (password.length() < MIN_PASSWORD_LENGTH) {
            throw new IllegalArgumentException("A console password needs at least " + MIN_PASSWORD_LENGTH
                    + " characters; this one has " + password.length() + ".");
        }
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
    }

    private static ConsoleUser row(ResultSet rs, int rowNum) throws SQLException {
        var locked = rs.getObject("locked_until", OffsetDateTime.class);
        return new ConsoleUser(rs.getObject("id", UUID.class), rs.getString("username"),
                ConsoleRole.valueOf(rs.getString("role")), rs.getObject("tenant_id", UUID.class),
                rs.getBoolean("enabled"), rs.getInt("failed_logins"), locked == null ? null : locked.toInstant(),
                rs.getObject("created_at", OffsetDateTime.class).toInstant());
    }
}
