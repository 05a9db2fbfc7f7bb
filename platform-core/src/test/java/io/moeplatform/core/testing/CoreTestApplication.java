package io.moeplatform.core.testing;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A bare application with platform core auto-configured, as an application module would have it. {@link #start}
 * runs one instance (one "replica") on the given datasource properties.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class CoreTestApplication {

    public static ConfigurableApplicationContext start(Map<String, Object> datasource, @Nullable Clock clock,
            String... properties) {
        var all = new LinkedHashMap<String, Object>(datasource);
        all.put("spring.main.banner-mode", "off");
        all.put("logging.level.org.springframework", "WARN");
        all.put("logging.level.org.hibernate", "WARN");
        all.put("logging.level.com.zaxxer", "WARN");
        all.put("logging.level.org.flywaydb", "WARN");
        all.put("spring.jpa.open-in-view", "false");
        for (var property : properties) {
            int eq = property.indexOf('=');
            all.put(property.substring(0, eq), property.substring(eq + 1));
        }
        var builder = new SpringApplicationBuilder(CoreTestApplication.class).web(WebApplicationType.NONE)
                .properties(all).logStartupInfo(false);
        if (clock != null) {
            builder.initializers(context -> context.getBeanFactory().registerSingleton("platformClock", clock));
        }
        return builder.run();
    }
}
