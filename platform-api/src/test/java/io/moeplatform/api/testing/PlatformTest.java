package io.moeplatform.api.testing;

import io.moeplatform.core.apikey.ApiKeyService;
import io.moeplatform.core.tenant.TenantPlan;
import io.moeplatform.core.tenant.TenantService;
import io.moeplatform.core.testing.PostgresTestSchema;
import io.moeplatform.inference.ChatMessage;
import io.moeplatform.inference.InferenceService;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the API's end-to-end tests: the whole application on a random port, platform core on a private
 * PostgreSQL schema, the real engine on the demo checkpoint. Each test makes its own tenants and keys.
 */
public abstract class PlatformTest {

    /**
     * One schema for every test class of this JVM, dropped when it exits: all API test classes share one
     * application context (Spring's context cache), which the extension's per-class drop would pull the rug from.
     */
    protected static final PostgresTestSchema db = shared();

    private static PostgresTestSchema shared() {
        var schema = new PostgresTestSchema();
        Runtime.getRuntime().addShutdownHook(new Thread(schema::close));
        return schema;
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        db.register(registry);
        registry.add("platform.data-dir", () -> System.getProperty("java.io.tmpdir") + "/h5-api-tests-" + db.schema());
        registry.add("platform.metrics.scrape-token", () -> SCRAPE_TOKEN);
        ENGINE.forEach((name, value) -> registry.add(name, () -> value));
        registry.add("platform.bootstrap.admin-password", () -> ADMIN_PASSWORD);
        registry.add("platform.bootstrap.api-key", () -> BOOTSTRAP_KEY);
    }

    public static final String SCRAPE_TOKEN = "scrape-token-for-tests-0123456789";
    /** The served demo model: the auto-configured engine's default when no model path is set. */
    public static final String MODEL = "moe-demo";
    /**
     * A small engine (one thread, 4 running, 4 queued) on the demo model, so that tests are light on a shared
     * machine and an overload is reachable.
     */
    public static final Map<String, String> ENGINE = Map.of("platform.inference.threads", "1",
            "platform.inference.max-running-sequences", "4", "platform.inference.max-queued-requests", "4",
            "platform.inference.max-batch-tokens", "256");
    public static final String ADMIN_PASSWORD = "admin-password-for-tests-4711";
    public static final String BOOTSTRAP_KEY = "bootstrap-key-for-tests-0123456789abcdef";
    public static final TenantPlan UNLIMITED = new TenantPlan(0, 0, 0, 0, 0, Set.of(), 1);

    @LocalServerPort
    protected int port;
    @Autowired
    protected TenantService tenants;
    @Autowired
    protected ApiKeyService keys;
    @Autowired
    protected InferenceService inference;
    protected ApiClient api;

    @BeforeEach
    void client() {
        api = new ApiClient(port);
    }

    protected record Tenant(UUID id, String key) {}

    /** Token count of a text prompt under the served model's tokenizer. */
    protected int tokens(String text) {
        return inference.codec(MODEL).encode(text).length;
    }

    /** Token count of a chat prompt as the model's template renders it (with the generation prompt). */
    protected int chatTokens(ChatMessage... messages) {
        var codec = inference.codec(MODEL);
        return codec.encode(codec.renderChat(List.of(messages), true)).length;
    }

    protected Tenant tenant(TenantPlan plan) {
        var tenant = tenants.create("t-" + UUID.randomUUID(), plan, "test");
        var key = keys.issue(tenant.id(), "test key", Set.of(ApiKeyService.SCOPE_INFERENCE), null, "test");
        return new Tenant(tenant.id(), key.secret());
    }
}
