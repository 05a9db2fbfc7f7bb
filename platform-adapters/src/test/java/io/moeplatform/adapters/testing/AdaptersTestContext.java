package io.moeplatform.adapters.testing;

import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.ConfigurableApplicationContext;

/** Platform core plus the adapter services (auto-configured) on a private PostgreSQL schema. */
public final class AdaptersTestContext {

    private AdaptersTestContext() {}

    public static ConfigurableApplicationContext start(PostgresTestSchema db, String... properties) {
        return CoreTestApplication.start(db.springProperties(), null, properties);
    }

    public static UUID tenant(ConfigurableApplicationContext context) {
        return context.getBean(TenantService.class)
                .create("t-" + UUID.randomUUID(), new TenantPlan(0, 0, 0, 0, 0, Set.of(), 1), "test").id();
    }

    public static InputStream text(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    public static InputStream resource(String name) {
        return AdaptersTestContext.class.getResourceAsStream("/kg/" + name);
    }
}
