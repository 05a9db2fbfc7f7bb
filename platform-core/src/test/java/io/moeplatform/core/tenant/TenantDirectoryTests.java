package io.moeplatform.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.core.PlatformCoreAutoConfiguration;
import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.audit.AuditLog;
import io.moeplatform.core.audit.AuditQuery;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.MutableClock;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurationPackages;
import org.springframework.context.ConfigurableApplicationContext;

class TenantDirectoryTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    static final MutableClock clock = new MutableClock(Instant.parse("2026-02-01T12:00:00Z"));
    static ConfigurableApplicationContext context;
    static TenantService tenants;
    static AuditLog audit;

    @BeforeAll
    static void start() {
        context = CoreTestApplication.start(db.springProperties(), clock);
        tenants = context.getBean(TenantService.class);
        audit = context.getBean(AuditLog.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void autoConfigurationRegistersTheCorePackageForEntitiesAndRepositories() {
        assertThat(context.getBean(PlatformCoreAutoConfiguration.class)).isNotNull();
        assertThat(AutoConfigurationPackages.get(context.getBeanFactory())).contains("io.moeplatform.core");
    }

    @Test
    void storesPlansAndAuditsEveryChangeWithItsActor() {
        var plan = new TenantPlan(1000, 20_000, 60, 4, 512, Set.of("a", "b"), 3);
        var created = tenants.create("initech", plan, "bill");
        assertThat(created.plan()).isEqualTo(plan);
        assertThat(created.status()).isEqualTo(TenantStatus.ACTIVE);
        assertThat(tenants.findByName("initech")).contains(created);

        clock.advance(Duration.ofMinutes(5));
        var bigger = new TenantPlan(2000, 40_000, 120, 8, 1024, Set.of(), 3);
        assertThat(tenants.updatePlan(created.id(), bigger, "peter").plan()).isEqualTo(bigger);

        var updates = audit.find(new AuditQuery(created.id(), null, AuditAction.TENANT_PLAN_UPDATED, null, null, 10));
        assertThat(updates).singleElement().satisfies(event -> {
            assertThat(event.actor()).isEqualTo("peter");
            assertThat(event.details()).contains("\"tokensPerDay\":2000").contains("\"allowedModels\":[]");
        });
        // time window: only the creation happened before the update
        assertThat(audit.find(new AuditQuery(created.id(), null, null, null, clock.instant(), 10)))
                .extracting(event -> event.action()).containsExactly(AuditAction.TENANT_CREATED);
        assertThat(audit.find(new AuditQuery(created.id(), "bill", null, clock.instant().minusSeconds(1), null, 10)))
                .isEmpty();
        // pages: newest first, the second page of one entry is the older one
        assertThat(audit.find(new AuditQuery(created.id(), null, null, null, null, 1, 1)))
                .extracting(event -> event.action()).containsExactly(AuditAction.TENANT_CREATED);
        assertThat(audit.find(new AuditQuery(created.id(), null, null, null, null, 1, 2))).isEmpty();
    }

    @Test
    void searchesNamesCaseInsensitivelyAndPagesByName() {
        for (var name : new String[]{"Search-c", "search-a", "search-b", "searchXd", "other-search_x"}) {
            tenants.create(name, TenantPlan.unlimited(), "bill");
        }
        var first = tenants.search("SEARCH-", 0, 2);
        assertThat(first.tenants()).extracting(TenantView::name).containsExactly("Search-c", "search-a");
        assertThat(first.total()).isEqualTo(3);
        assertThat(first.pages()).isEqualTo(2);
        assertThat(first.hasNext()).isTrue();
        var second = tenants.search("search-", 1, 2);
        assertThat(second.tenants()).extracting(TenantView::name).containsExactly("search-b");
        assertThat(second.hasNext()).isFalse();
        // '_' is a literal, not LIKE's any-character
        assertThat(tenants.search("search_", 0, 10).tenants()).extracting(TenantView::name)
                .containsExactly("other-search_x");
        assertThatThrownBy(() -> tenants.search("", 0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesDuplicateNamesAndInvalidPlansWithMessagesThatSayWhatToChange() {
        tenants.create("unique", TenantPlan.unlimited(), "admin");
        assertThatThrownBy(() -> tenants.create("unique", TenantPlan.unlimited(), "admin"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already exists");
        assertThatThrownBy(() -> tenants.create("bad name!", TenantPlan.unlimited(), "admin"))
                .hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> tenants.create("neg", new TenantPlan(-1, 0, 0, 0, 0, Set.of(), 1), "admin"))
                .hasMessageContaining("0 (no limit) or positive");
        assertThatThrownBy(() -> tenants.create("w0", new TenantPlan(0, 0, 0, 0, 0, Set.of(), 0), "admin"))
                .hasMessageContaining("at least 1");
        assertThat(tenants.findByName("neg")).isEmpty();
    }
}
