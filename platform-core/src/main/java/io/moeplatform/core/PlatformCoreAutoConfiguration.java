package io.moeplatform.core;

import io.moeplatform.core.apikey.ApiKeySecurityProperties;
import io.moeplatform.core.bootstrap.BootstrapProperties;
import io.moeplatform.core.quota.QuotaProperties;
import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurationExcludeFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Wires platform core into any Spring Boot application: its services (component scan), and its package for entity
 * scanning and repositories, so the application's own package needs nothing special. The schema comes from the
 * Flyway migrations shipped in this jar ({@code classpath:db/migration}).
 */
@AutoConfiguration(afterName = {"org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration"})
@AutoConfigurationPackage(basePackages = "io.moeplatform.core")
@ComponentScan(basePackages = "io.moeplatform.core", excludeFilters = @ComponentScan.Filter(type = FilterType.CUSTOM, classes = AutoConfigurationExcludeFilter.class))
@EnableConfigurationProperties({QuotaProperties.class, BootstrapProperties.class, ApiKeySecurityProperties.class})
public class PlatformCoreAutoConfiguration {

    /** UTC wall clock; tests and the application may supply their own. */
    @Bean
    @ConditionalOnMissingBean
    Clock platformClock() {
        return Clock.systemUTC();
    }

    /** Slow, salted hashes for console passwords (bcrypt by default, upgradable thanks to the {id} prefix). */
    @Bean
    @ConditionalOnMissingBean
    PasswordEncoder platformPasswordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }
}
