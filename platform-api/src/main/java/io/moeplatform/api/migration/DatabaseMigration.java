package io.moeplatform.api.migration;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * {@code platform.migrate-only=true} (env {@code PLATFORM_MIGRATE_ONLY}): apply the Flyway migrations to the
 * configured database and exit, without loading a model, creating the bootstrap tenant or opening a port. The
 * application context holds only the datasource and Flyway, configured from the same properties as the full
 * application, so the Helm chart's pre-upgrade Job migrates exactly the database the replicas will use. A failed
 * migration ends the process with an exception (non-zero exit), which fails the Job and stops the upgrade.
 */
public final class DatabaseMigration {

    public static final String PROPERTY = "platform.migrate-only";

    private DatabaseMigration() {}

    /** Whether the command line, a system property or the environment asks for migrate-only mode. */
    public static boolean requested(String... args) {
        var environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        return environment.getProperty(PROPERTY, Boolean.class, false);
    }

    /**
     * Migrates and closes the context.
     *
     * @return the schema version after migrating (empty when the database has no migrations applied)
     */
    public static String run(String... args) {
        try (var context = new SpringApplicationBuilder(MigrationContext.class).web(WebApplicationType.NONE)
                .bannerMode(Banner.Mode.OFF).run(args)) {
            MigrationInfo current = context.getBean(Flyway.class).info().current();
            return current == null ? "" : current.getVersion().toString();
        }
    }

    /**
     * Only what migrating needs: the datasource and Flyway (which migrates while the context starts). Not a
     * {@code @Configuration}, so the full application's component scan leaves it alone.
     */
    @ImportAutoConfiguration({DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class})
    static class MigrationContext {}
}
