package io.moeplatform.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.core.audit.AuditAction;
import io.moeplatform.core.tenant.TenantStatus;
import io.moeplatform.core.user.ConsoleRole;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every text exists in English and Simplified Chinese, and templates and code use only keys that exist. */
class MessageBundleTests {

    static final Path RESOURCES = Path.of("src/main/resources");
    /** {@code #{key}} and {@code #{key(args)}} in templates. */
    static final Pattern TEMPLATE_KEY = Pattern.compile("#\\{([A-Za-z][\\w.]*)[}(]");
    /** Keys passed as quoted literals, e.g. fragment arguments or flash notices: 'nav.keys', "keys.revokedNotice". */
    static final Pattern QUOTED_KEY = Pattern.compile("['\"]([a-z]+\\.[A-Za-z][\\w.]*)['\"]");

    @Test
    void bothLanguagesHaveExactlyTheSameKeys() throws IOException {
        var english = load("messages.properties");
        var chinese = load("messages_zh_CN.properties");
        assertThat(english.stringPropertyNames()).isNotEmpty();
        assertThat(new TreeSet<>(chinese.stringPropertyNames()))
                .isEqualTo(new TreeSet<>(english.stringPropertyNames()));
        chinese.stringPropertyNames()
                .forEach(key -> assertThat(chinese.getProperty(key)).as(key).isNotBlank());
    }

    @Test
    void templatesAndCodeUseOnlyExistingKeys() throws IOException {
        var keys = load("messages.properties").stringPropertyNames();
        var prefixes = keys.stream().map(key -> key.substring(0, key.indexOf('.') + 1)).filter(p -> !p.isEmpty())
                .collect(Collectors.toSet());
        var used = new TreeSet<String>();
        for (var file : files(RESOURCES.resolve("templates"), ".html")) {
            var text = Files.readString(file);
            TEMPLATE_KEY.matcher(text).results().forEach(match -> used.add(match.group(1)));
            // a quoted key ending in '.' is a prefix completed at run time ('audit.action.' + action): those are
            // checked per enum value below
            QUOTED_KEY.matcher(text).results().map(match -> match.group(1))
                    .filter(key -> !key.endsWith(".") && prefixes.stream().anyMatch(key::startsWith))
                    .forEach(used::add);
        }
        for (var file : files(Path.of("src/main/java"), ".java")) {
            QUOTED_KEY.matcher(Files.readString(file)).results().map(match -> match.group(1))
                    .filter(key -> prefixes.stream().anyMatch(key::startsWith) && !key.startsWith("io."))
                    .forEach(used::add);
        }
        assertThat(used).contains("nav.keys", "tenants.createdNotice", "login.title");
        assertThat(keys).containsAll(used);
    }

    @Test
    void everyEnumShownInTheConsoleHasAText() throws IOException {
        var keys = load("messages.properties").stringPropertyNames();
        Arrays.stream(AuditAction.values()).forEach(action -> assertThat(keys).contains("audit.action." + action));
        Arrays.stream(ConsoleRole.values()).forEach(role -> assertThat(keys).contains("role." + role));
        Arrays.stream(TenantStatus.values()).forEach(status -> assertThat(keys).contains("tenants.status." + status));
    }

    private static Properties load(String name) throws IOException {
        var properties = new Properties();
        try (Reader reader = Files.newBufferedReader(RESOURCES.resolve(name), StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        return properties;
    }

    private static Set<Path> files(Path root, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(path -> path.toString().endsWith(suffix)).collect(Collectors.toSet());
        }
    }
}
