package io.moeplatform.api.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.core.testing.PostgresTestSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code platform.migrate-only=true}: the schema is migrated and the process returns, with nothing else started. */
class DatabaseMigrationTests {

    @RegisterExtension
    static final PostgresTestSchema db = new PostgresTestSchema();

    @Test
    void migrateOnlyIsOffUnlessAsked() {
        assertThat(DatabaseMigration.requested()).isFalse();
        assertThat(DatabaseMigration.requested("--platform.migrate-only=false")).isFalse();
        assertThat(DatabaseMigration.requested("--platform.migrate-only=true")).isTrue();
    }

    @Test
    void migratesTheConfiguredDatabaseAndReturnsWithoutStartingThePlatform(@TempDir Path dataDir) throws Exception {
        var args = new ArrayList<>(List.of("--platform.migrate-only=true", "--platform.data-dir=" + dataDir,
                "--spring.main.banner-mode=off", "--server.port=1"));
        db.springProperties().forEach((name, value) -> args.add("--" + name + "=" + value));

        PlatformApplication.main(args.toArray(String[]::new));

        assertThat(appliedVersions()).as("every migration in db/migration applied")
                .containsExactlyElementsOf(migrationVersions());
        try (Stream<Path> files = Files.list(dataDir)) {
            assertThat(files).as("no demo model written, no H2 file created").isEmpty();
        }
        assertThat(DatabaseMigration.run(args.toArray(String[]::new))).as("a second run finds nothing to do")
                .isEqualTo(migrationVersions().getLast());
    }

    private List<String> appliedVersions() throws Exception {
        var versions = new ArrayList<String>();
        var properties = db.springProperties();
        try (var connection = DriverManager.getConnection(db.jdbcUrl(),
                properties.get("spring.datasource.username").toString(),
                properties.get("spring.datasource.password").toString());
                var rows = connection.createStatement().executeQuery(
                        "SELECT version FROM flyway_schema_history WHERE success ORDER BY installed_rank")) {
            while (rows.next()) {
                versions.add(rows.getString(1));
            }
        }
        return versions;
    }

    /** The versions of the migration scripts the application ships, in order. */
    private static List<String> migrationVersions() throws Exception {
        var resolver = new org.springframework.core.io.support.PathMatchingResourcePatternResolver();
        return Stream.of(resolver.getResources("classpath:db/migration/V*__*.sql"))
                .map(resource -> resource.getFilename().substring(1, resource.getFilename().indexOf("__")))
                .sorted(java.util.Comparator.comparing(org.flywaydb.core.api.MigrationVersion::fromVersion))
                .toList();
    }
}
