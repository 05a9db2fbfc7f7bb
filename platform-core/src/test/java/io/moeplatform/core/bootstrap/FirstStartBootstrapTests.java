package io.moeplatform.core.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.moeplatform.core.apikey.ApiKeyAuthenticator;
import io.moeplatform.core.testing.CoreTestApplication;
import io.moeplatform.core.testing.PostgresTestSchema;
import io.moeplatform.core.user.ConsoleRole;
import io.moeplatform.core.user.ConsoleUserDetails;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.password.PasswordEncoder;

@ExtendWith(OutputCaptureExtension.class)
class FirstStartBootstrapTests {

    static final String GIVEN_KEY = "operator-chosen-key-0123456789abcdef";
    static final String GIVEN_PASSWORD = "correct horse battery";

    @Test
    void createsAdminAndDefaultTenantWithTheGivenCredentialsWithoutPrintingThem(CapturedOutput output) {
        try (var db = new PostgresTestSchema();
                var context = CoreTestApplication.start(db.springProperties(), null,
                        "platform.bootstrap.api-key=" + GIVEN_KEY,
                        "platform.bootstrap.admin-password=" + GIVEN_PASSWORD)) {
            var key = context.getBean(ApiKeyAuthenticator.class).authenticate(GIVEN_KEY).orElseThrow();
            assertThat(key.tenantName()).isEqualTo("default");
            assertThat(key.keyPrefix()).isEqualTo(GIVEN_KEY.substring(0, 8));
            var admin = (ConsoleUserDetails) context.getBean(UserDetailsService.class).loadUserByUsername("admin");
            assertThat(admin.role()).isEqualTo(ConsoleRole.PLATFORM_ADMIN);
            assertThat(context.getBean(PasswordEncoder.class).matches(GIVEN_PASSWORD, admin.getPassword())).isTrue();
            assertThat(output.getAll()).doesNotContain(GIVEN_KEY).doesNotContain(GIVEN_PASSWORD);

            // a restart on the bootstrapped database changes nothing
            assertThat(context.getBean(FirstStartBootstrap.class).bootstrap()).isNull();
            assertThat(context.getBean(JdbcClient.class).sql("SELECT COUNT(*) FROM api_key").query(Long.class)
                    .single()).isEqualTo(1);
        }
    }

    @Test
    void generatesCredentialsAndPrintsThemOnce(CapturedOutput output) {
        try (var db = new PostgresTestSchema();
                var context = CoreTestApplication.start(db.springProperties(), null)) {
            var printedKey = Pattern.compile("API key \\(tenant 'default'\\): (\\S+)").matcher(output.getAll());
            assertThat(printedKey.find()).isTrue();
            assertThat(context.getBean(ApiKeyAuthenticator.class).authenticate(printedKey.group(1))).isPresent();
            var printedPassword = Pattern.compile("Console password: +(\\S+)").matcher(output.getAll());
            assertThat(printedPassword.find()).isTrue();
            var admin = context.getBean(UserDetailsService.class).loadUserByUsername("admin");
            assertThat(context.getBean(PasswordEncoder.class).matches(printedPassword.group(1), admin.getPassword()))
                    .isTrue();
            assertThat(printedKey.find()).isFalse(); // printed once
        }
    }

    @Test
    void refusesToStartWithATooShortBootstrapKey() {
        try (var db = new PostgresTestSchema()) {
            assertThatThrownBy(() -> CoreTestApplication.start(db.springProperties(), null,
                    "platform.bootstrap.api-key=" + "k".repeat(31)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("PLATFORM_BOOTSTRAP_API_KEY")
                    .hasMessageContaining("31 characters, fewer than the 32 required");
        }
    }
}
