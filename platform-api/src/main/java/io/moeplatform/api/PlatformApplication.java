package io.moeplatform.api;

import io.moeplatform.api.migration.DatabaseMigration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The MoE Platform in one process: OpenAI-compatible API, console, tenants and quotas, and the engine. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class PlatformApplication {

    public static void main(String[] args) {
        if (DatabaseMigration.requested(args)) {
            DatabaseMigration.run(args);
            return;
        }
        SpringApplication.run(PlatformApplication.class, args);
    }
}
