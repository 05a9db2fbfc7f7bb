package io.moeplatform.core.bootstrap;

import io.moeplatform.core.apikey.ApiKeyRegistry;
import io.moeplatform.core.apikey.ApiKeyService;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUserService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * First-start bootstrap: while the database has no console users, creates the {@code admin} user and the
 * {@code default} tenant with one API key, from {@code platform.bootstrap.*} or, when unset, generated and printed
 * once. Several replicas may start at once: the one that inserts the {@code bootstrap} marker row wins, the others'
 * inserts fail on its primary key and they leave the work to it.
 */
@Component
public class FirstStartBootstrap implements ApplicationRunner {

    static final String ACTOR = "bootstrap";
    static final String MARKER = "bootstrap";
    static final String ADMIN = "admin";
    static final String DEFAULT_TENANT = "default";

    private static final Logger log = LoggerFactory.getLogger(FirstStartBootstrap.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final BootstrapProperties properties;
    private final ConsoleUserService users;
    private final TenantService tenants;
    private final ApiKeyRegistry keys;
    private final AuditLog audit;
    private final JdbcClient jdbc;
    private final TransactionTemplate transaction;
    private final Clock clock;

    FirstStartBootstrap(BootstrapProperties properties, ConsoleUserService users, TenantService tenants,
            ApiKeyRegistry keys, AuditLog audit, JdbcClient jdbc, PlatformTransactionManager transactions,
            Clock clock) {
        this.properties = properties;
        this.users = users;
        this.tenants = tenants;
        this.keys = keys;
        this.audit = audit;
        this.jdbc = jdbc;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    @Override
    public void run(ApplicationArguments args) {
        bootstrap();
    }

    /** Returns what was created, or null when the database already had users or another replica bootstrapped. */
    @Nullable
    BootstrapResult bootstrap() {
        var givenKey = blankToNull(properties.apiKey());
        if (givenKey != null && givenKey.length() < BootstrapProperties.MIN_API_KEY_LENGTH) {
            throw new IllegalStateException("PLATFORM_BOOTSTRAP_API_KEY (platform.bootstrap.api-key) has "
                    + givenKey.length() + " characters, fewer than the " + BootstrapProperties.MIN_API_KEY_LENGTH
                    + " required. Set a longer random string (e.g. `openssl rand -hex 32`), or unset it to have"
                    + " a key generated.");
        }
        var givenPassword = blankToNull(properties.adminPassword());
        if (givenPassword != null && givenPassword.length() < ConsoleUserService.MIN_PASSWORD_LENGTH) {
            throw new IllegalStateException("PLATFORM_BOOTSTRAP_ADMIN_PASSWORD (platform.bootstrap.admin-password)"
                    + " has " + givenPassword.length() + " characters, fewer than the "
                    + ConsoleUserService.MIN_PASSWORD_LENGTH + " required. Set a longer one, or unset it to have"
                    + " one generated.");
        }
        if (users.count() > 0) {
            return null;
        }
        BootstrapResult result;
        try {
            result = transaction.execute(status -> createAll(givenPassword, givenKey));
        } catch (DuplicateKeyException e) {
            log.info("Another instance is bootstrapping this database; skipping first-start bootstrap here");
            return null;
        }
        if (result != null) {
            announce(result, givenPassword == null, givenKey == null);
        }
        return result;
    }

    private @Nullable BootstrapResult createAll(@Nullable String givenPassword, @Nullable String givenKey) {
        // the marker's primary key is the lock: a concurrent bootstrap blocks here, then fails on commit of ours
        jdbc.sql("INSERT INTO platform_setting (name, setting_value, created_at) VALUES (?, ?, ?)")
                .params(MARKER, "done", OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC)).update();
        if (users.count() > 0) {
            return null;
        }
        var password = givenPassword != null ? givenPassword : randomToken(18);
        users.create(ADMIN, password, ConsoleRole.PLATFORM_ADMIN, null, ACTOR);
        var tenant = tenants.findByName(DEFAULT_TENANT)
                .orElseGet(() -> tenants.create(DEFAULT_TENANT, TenantPlan.unlimited(), ACTOR));
        // the operator's first key: inference, and the default tenant's adapters (so nothing needs SQL)
        var scopes = Set.of(ApiKeyService.SCOPE_INFERENCE, ApiKeyService.SCOPE_ADAPTERS);
        var key = givenKey != null
                ? keys.register(tenant.id(), "bootstrap", scopes, null, givenKey, ACTOR)
                : keys.issue(tenant.id(), "bootstrap", scopes, null, ACTOR);
        audit.append(ACTOR, AuditAction.PLATFORM_BOOTSTRAPPED, tenant.id(), DEFAULT_TENANT,
                Map.of("adminUser", ADMIN, "keyPrefix", key.prefix()));
        return new BootstrapResult(ADMIN, password, tenant.id(), key.keyId(), key.secret());
    }

    /** Prints generated credentials once, in a block that stands out in the log; given ones are never printed. */
    private static void announce(BootstrapResult result, boolean passwordGenerated, boolean keyGenerated) {
        if (!passwordGenerated && !keyGenerated) {
            log.info("First-start bootstrap done: user '{}' and tenant '{}' created with the configured credentials",
                    result.adminUser(), DEFAULT_TENANT);
            return;
        }
        var block = new StringBuilder("\n")
                .append("=".repeat(78)).append('\n')
                .append("  MoE Platform first start: credentials were generated. They are shown ONLY NOW.\n")
                .append("  Store them safely; set PLATFORM_BOOTSTRAP_ADMIN_PASSWORD / PLATFORM_BOOTSTRAP_API_KEY\n")
                .append("  to choose them yourself on a fresh database.\n\n");
        if (passwordGenerated) {
            block.append("  Console user:      ").append(result.adminUser()).append('\n')
                    .append("  Console password:  ").append(result.adminPassword()).append('\n');
        }
        if (keyGenerated) {
            block.append("  API key (tenant '").append(DEFAULT_TENANT).append("'): ").append(result.apiKey())
                    .append('\n');
        }
        block.append("=".repeat(78));
        log.warn(block.toString());
    }

    private static String randomToken(int bytes) {
        var random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
