package io.moeplatform.core.apikey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.tenant.TenantView;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.MutableClock;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

class ApiKeyTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T08:00:00Z"));
    static ConfigurableApplicationContext context;
    static ApiKeyRegistry keys;
    static CachingApiKeyAuthenticator authenticator;
    static TenantService tenants;

    @BeforeAll
    static void start() {
        context = CoreTestApplication.start(db.springProperties(), clock, "platform.security.api-key-cache-ttl=300ms");
        keys = context.getBean(ApiKeyRegistry.class);
        authenticator = context.getBean(CachingApiKeyAuthenticator.class);
        tenants = context.getBean(TenantService.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void issuedKeyAuthenticatesToItsTenantAndIsStoredOnlyAsKeyedHash() {
        var tenant = tenant();
        var issued = keys.issue(tenant.id(), "ci", Set.of("inference"), null, "alice");

        assertThat(issued.secret()).startsWith(issued.prefix() + "-").startsWith("sk-moe-");
        // 256 random bits, base64url without padding
        assertThat(issued.secret().substring(issued.prefix().length() + 1)).hasSize(43);
        var key = authenticator.authenticate(issued.secret()).orElseThrow();
        assertThat(key.tenantId()).isEqualTo(tenant.id());
        assertThat(key.keyId()).isEqualTo(issued.keyId());
        assertThat(key.scopes()).containsExactly("inference");
        var stored = jdbc().sql("SELECT secret_hash FROM api_key WHERE id = ?").param(issued.keyId())
                .query(String.class).single();
        assertThat(stored).hasSize(64).doesNotContain(issued.secret().substring(16, 30));
        assertThat(keys.list(tenant.id())).singleElement()
                .satisfies(view -> assertThat(view.lastUsedAt()).isEqualTo(clock.instant()));
    }

    @Test
    void rejectsWrongOrAlteredSecrets() {
        var issued = keys.issue(tenant().id(), "ci", Set.of("inference"), null, "alice");
        assertThat(authenticator.authenticate(issued.secret() + "x")).isEmpty();
        assertThat(authenticator.authenticate(issued.prefix() + "-" + "A".repeat(43))).isEmpty();
        assertThat(authenticator.authenticate("")).isEmpty();
    }

    @Test
    void revokedKeyStopsAuthenticatingAtOnceHereAndWithinTheCacheTtlElsewhere() throws Exception {
        var tenant = tenant();
        var revokedHere = keys.issue(tenant.id(), "a", Set.of("inference"), null, "alice");
        var revokedElsewhere = keys.issue(tenant.id(), "b", Set.of("inference"), null, "alice");
        assertThat(authenticator.authenticate(revokedHere.secret())).isPresent();
        assertThat(authenticator.authenticate(revokedElsewhere.secret())).isPresent();

        keys.revoke(revokedHere.keyId(), "alice");
        assertThat(authenticator.authenticate(revokedHere.secret())).isEmpty();

        // another replica revokes: this one sees it once its cache entry ages out
        jdbc().sql("UPDATE api_key SET revoked_at = CURRENT_TIMESTAMP WHERE id = ?").param(revokedElsewhere.keyId())
                .update();
        Thread.sleep(400);
        assertThat(authenticator.authenticate(revokedElsewhere.secret())).isEmpty();
        assertThat(keys.list(tenant.id())).allSatisfy(view -> assertThat(view.revokedAt()).isNotNull());
        assertThat(context.getBean(AuditLog.class)
                .find(new AuditQuery(tenant.id(), "alice", AuditAction.API_KEY_REVOKED, null, null, 10)))
                .singleElement().satisfies(event -> assertThat(event.target()).isEqualTo(revokedHere.prefix()));
    }

    @Test
    void expiredKeyDoesNotAuthenticateEvenWhileCached() {
        var issued = keys.issue(tenant().id(), "short", Set.of("inference"), clock.instant().plusSeconds(60),
                "alice");
        assertThat(authenticator.authenticate(issued.secret())).isPresent();
        clock.advance(Duration.ofSeconds(61));
        assertThat(authenticator.authenticate(issued.secret())).isEmpty();
        assertThatThrownBy(() -> keys.issue(tenant().id(), "past", Set.of("inference"),
                clock.instant().minusSeconds(1), "alice")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in the past");
    }

    @Test
    void findsAKeyByIdWithItsTenantButNeverItsSecret() {
        var tenant = tenant();
        var issued = keys.issue(tenant.id(), "console", Set.of("inference"), null, "alice");
        assertThat(keys.find(issued.keyId())).hasValueSatisfying(view -> {
            assertThat(view.tenantId()).isEqualTo(tenant.id());
            assertThat(view.prefix()).isEqualTo(issued.prefix());
            assertThat(view.toString()).doesNotContain(issued.secret());
        });
        assertThat(keys.find(java.util.UUID.randomUUID())).isEmpty();
    }

    @Test
    void keysOfASuspendedTenantStopAuthenticatingAndWorkAgainOnResume() {
        var tenant = tenant();
        var issued = keys.issue(tenant.id(), "ci", Set.of("inference"), null, "alice");
        assertThat(authenticator.authenticate(issued.secret())).isPresent();
        tenants.suspend(tenant.id(), "ops");
        assertThat(authenticator.authenticate(issued.secret())).isEmpty();
        tenants.resume(tenant.id(), "ops");
        assertThat(authenticator.authenticate(issued.secret())).isPresent();
        assertThat(context.getBean(AuditLog.class).find(AuditQuery.forTenant(tenant.id())))
                .extracting(event -> event.action()).containsExactly(AuditAction.TENANT_RESUMED,
                        AuditAction.TENANT_SUSPENDED, AuditAction.API_KEY_ISSUED, AuditAction.TENANT_CREATED);
    }

    @Test
    void generatedPepperIsSharedThroughTheDatabase() {
        var issued = keys.issue(tenant().id(), "ci", Set.of("inference"), null, "alice");
        var pepper = jdbc().sql("SELECT setting_value FROM platform_setting WHERE name = 'api-key-pepper'")
                .query(String.class).single();
        assertThat(pepper).isNotBlank();
        // a second replica on the same database, with its own hasher, accepts the key
        try (var other = CoreTestApplication.start(db.springProperties(), clock)) {
            assertThat(other.getBean(ApiKeyAuthenticator.class).authenticate(issued.secret())).isPresent();
        }
        // a replica with a different configured pepper does not
        try (var other = CoreTestApplication.start(db.springProperties(), clock,
                "platform.security.api-key-pepper=" + UUID.randomUUID())) {
            assertThat(other.getBean(ApiKeyAuthenticator.class).authenticate(issued.secret())).isEmpty();
        }
    }

    private static TenantView tenant() {
        return tenants.create("t-" + UUID.randomUUID().toString().substring(0, 8), TenantPlan.unlimited(), "alice");
    }

    private static JdbcClient jdbc() {
        return context.getBean(JdbcClient.class);
    }
}
