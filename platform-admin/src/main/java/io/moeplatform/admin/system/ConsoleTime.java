package io.moeplatform.admin.system;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/** How console pages show an instant: to the minute, in UTC ({@code ${@consoleTime.utcMinute(t)}} in templates). */
@Component("consoleTime")
public class ConsoleTime {

    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    public String utcMinute(@Nullable Instant instant) {
        return instant == null ? "" : MINUTE.format(instant);
    }
}
