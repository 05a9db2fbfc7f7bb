package io.moeplatform.core.user;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.MutableClock;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.DefaultAuthenticationEventPublisher;
import org.springframework.security.authentication.LockedException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;

class ConsoleUserTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static final MutableClock clock = new MutableClock(Instant.parse("2026-04-01T09:00:00Z"));
    static ConfigurableApplicationContext context;
    static ConsoleUserService users;

    @BeforeAll
    static void start() {
        context = CoreTestApplication.start(db.springProperties(), clock, "platform.security.max-failed-logins=3",
                "platform.security.lockout-duration=10m");
        users = context.getBean(ConsoleUserService.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void tenantAdminIsBoundToItsTenantAndHasASlowPasswordHash() {
        var tenant = context.getBean(TenantService.class).create("shop", TenantPlan.unlimited(), "admin");
        users.create("maria", "a long passphrase", ConsoleRole.TENANT_ADMIN, tenant.id(), "admin");

        var details = (ConsoleUserDetails) context.getBean(UserDetailsService.class).loadUserByUsername("maria");
        assertThat(details.tenantId()).isEqualTo(tenant.id());
        assertThat(details.getAuthorities()).extracting(Object::toString).containsExactly("ROLE_TENANT_ADMIN");
        assertThat(details.getPassword()).startsWith("{bcrypt}$2a$").doesNotContain("passphrase");
        assertThat(context.getBean(AuditLog.class)
                .find(new AuditQuery(tenant.id(), "admin", AuditAction.USER_CREATED, null, null, 10)))
                .singleElement().satisfies(event -> {
                    assertThat(event.target()).isEqualTo("maria");
                    assertThat(event.details()).contains("\"role\":\"TENANT_ADMIN\"");
                });
    }

    @Test
    void refusesRolesWithoutTheirTenantAndShortPasswords() {
        assertThatThrownBy(() -> users.create("v", "a long passphrase", ConsoleRole.TENANT_VIEWER, null, "admin"))
                .hasMessageContaining("needs a tenant");
        assertThatThrownBy(() -> users.create("w", "short", ConsoleRole.PLATFORM_ADMIN, null, "admin"))
                .hasMessageContaining("at least 12 characters");
    }

    @Test
    void locksTheAccountAfterRepeatedFailedLoginsUntilTheLockoutEnds() {
        users.create("ops", "the right password", ConsoleRole.PLATFORM_ADMIN, null, "admin");
        var provider = new DaoAuthenticationProvider(context.getBean(UserDetailsService.class));
        provider.setPasswordEncoder(context.getBean(PasswordEncoder.class));
        var manager = new ProviderManager(provider);
        manager.setAuthenticationEventPublisher(new DefaultAuthenticationEventPublisher(context));

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> manager.authenticate(login("ops", "wrong password!")))
                    .isInstanceOf(BadCredentialsException.class);
        }
        assertThatThrownBy(() -> manager.authenticate(login("ops", "the right password")))
                .isInstanceOf(LockedException.class);
        assertThat(users.find("ops").orElseThrow().lockedUntil()).isEqualTo(clock.instant().plusSeconds(600));

        clock.advance(Duration.ofMinutes(11));
        assertThat(manager.authenticate(login("ops", "the right password")).isAuthenticated()).isTrue();
        assertThat(context.getBean(JdbcClient.class)
                .sql("SELECT COUNT(*) FROM audit_event WHERE action = 'USER_LOCKED' AND target = 'ops'")
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void anAdministratorCanEndALockoutAtOnce() {
        users.create("locked", "the right password", ConsoleRole.PLATFORM_ADMIN, null, "admin");
        var provider = new DaoAuthenticationProvider(context.getBean(UserDetailsService.class));
        provider.setPasswordEncoder(context.getBean(PasswordEncoder.class));
        var manager = new ProviderManager(provider);
        manager.setAuthenticationEventPublisher(new DefaultAuthenticationEventPublisher(context));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> manager.authenticate(login("locked", "wrong password!")))
                    .isInstanceOf(BadCredentialsException.class);
        }
        assertThat(users.find("locked").orElseThrow().lockedUntil()).isNotNull();

        users.unlock("locked", "admin");

        var unlocked = users.find("locked").orElseThrow();
        assertThat(unlocked.lockedUntil()).isNull();
        assertThat(unlocked.failedLogins()).isZero();
        assertThat(manager.authenticate(login("locked", "the right password")).isAuthenticated()).isTrue();
        assertThat(context.getBean(JdbcClient.class)
                .sql("SELECT COUNT(*) FROM audit_event WHERE action = 'USER_UNLOCKED' AND target = 'locked'")
                .query(Long.class).single()).isEqualTo(1);
    }

    @Test
    void disabledUsersCannotLogInAndChangesAreAudited() {
        users.create("temp", "temporary password", ConsoleRole.PLATFORM_ADMIN, null, "admin");
        users.setEnabled("temp", false, "admin");
        assertThat(context.getBean(UserDetailsService.class).loadUserByUsername("temp").isEnabled()).isFalse();
        users.changePassword("temp", "another long password", "admin");
        users.delete("temp", "admin");
        assertThat(users.find("temp")).isEmpty();
        assertThat(context.getBean(AuditLog.class).find(new AuditQuery(null, "admin", null, null, null, 100)))
                .filteredOn(event -> event.target().equals("temp")).extracting(event -> event.action())
                .containsExactly(AuditAction.USER_DELETED, AuditAction.USER_PASSWORD_CHANGED,
                        AuditAction.USER_DISABLED, AuditAction.USER_CREATED);
    }

    private static UsernamePasswordAuthenticationToken login(String user, String password) {
        return UsernamePasswordAuthenticationToken.unauthenticated(user, password);
    }
}
