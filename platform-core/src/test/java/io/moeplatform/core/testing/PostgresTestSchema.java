package io.moeplatform.core.testing;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A private PostgreSQL schema for one test class, migrated by Flyway when a Spring context starts on it and dropped
 * afterwards. Uses {@code SPRING_DATASOURCE_URL} (and {@code _USERNAME}/{@code _PASSWORD}) when set, else the local
 * server at {@code 127.0.0.1:5432/test} as {@code postgres}.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final PostgresTestSchema db = new PostgresTestSchema();
 *
 * &#64;DynamicPropertySource
 * static void database(DynamicPropertyRegistry registry) {
 *     db.register(registry);
 * }
 * </pre>
 *
 * The schema is created in the constructor, so it exists before any Spring context reads the properties.
 */
public final class PostgresTestSchema implements AfterAllCallback, AutoCloseable {

    public static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private final String baseUrl;
    private final String username;
    private final String password;
    private final String schema;

    public PostgresTestSchema() {
        var env = System.getenv();
        this.baseUrl = env.getOrDefault("SPRING_DATASOURCE_URL", DEFAULT_URL);
        this.username = env.getOrDefault("SPRING_DATASOURCE_USERNAME", "postgres");
        this.password = env.getOrDefault("SPRING_DATASOURCE_PASSWORD", "");
        var random = new byte[6];
        ThreadLocalRandom.current().nextBytes(random);
        this.schema = "test_" + HexFormat.of().formatHex(random);
        execute("CREATE SCHEMA " + schema);
    }

    public String schema() {
        return schema;
    }

    /** JDBC URL whose connections use this schema as their current schema. */
    public String jdbcUrl() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Spring Boot properties for a datasource on this schema (a small pool: tests share one server). */
    public Map<String, Object> springProperties() {
        var properties = new LinkedHashMap<String, Object>();
        properties.put("spring.datasource.url", jdbcUrl());
        properties.put("spring.datasource.username", username);
        properties.put("spring.datasource.password", password);
        properties.put("spring.datasource.hikari.maximum-pool-size", "6");
        return properties;
    }

    public void register(DynamicPropertyRegistry registry) {
        springProperties().forEach((name, value) -> registry.add(name, () -> value));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }

    private void execute(String sql) {
        try (var connection = DriverManager.getConnection(baseUrl, username, password);
                var statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + baseUrl + " is needed for this test (" + sql + "): "
                    + e.getMessage(), e);
        }
    }
}
