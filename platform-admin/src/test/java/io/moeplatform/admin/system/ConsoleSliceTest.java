package io.moeplatform.admin.system;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * What every console controller slice test needs besides its controller: the console's real security chain and
 * access rules, so role and tenant checks are tested as they run, and a fixed clock.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Import(ConsoleSliceTest.Configuration.class)
public @interface ConsoleSliceTest {

    Instant NOW = Instant.parse("2026-03-10T12:00:00Z");

    @TestConfiguration(proxyBeanMethods = false)
    @Import({ConsoleSecurityConfiguration.class, ConsoleAccess.class, VisibleTenants.class, ConsoleTime.class})
    class Configuration {

        @Bean
        Clock clock() {
            return Clock.fixed(NOW, ZoneOffset.UTC);
        }
    }
}
