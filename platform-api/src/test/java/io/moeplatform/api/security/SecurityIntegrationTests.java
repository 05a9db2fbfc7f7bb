package io.moeplatform.api.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.ApiClient;
import io.moeplatform.api.testing.PlatformTest;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SecurityIntegrationTests extends PlatformTest {

    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    private final CookieManager cookies = new CookieManager();
    private final HttpClient browser = HttpClient.newBuilder().cookieHandler(cookies)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private HttpResponse<String> browse(HttpRequest.Builder request) throws IOException, InterruptedException {
        return browser.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create(api.base() + path));
    }

    private static HttpRequest.BodyPublisher form(String... pairs) {
        var body = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            body.append(i == 0 ? "" : "&").append(pairs[i]).append('=')
                    .append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
        }
        return HttpRequest.BodyPublishers.ofString(body.toString());
    }

    @Test
    void healthIsOpenWithLivenessAndReadiness() {
        for (String path : new String[]{"/actuator/health", "/actuator/health/liveness",
                "/actuator/health/readiness"}) {
            var response = api.get(path, null);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(ApiClient.json(response.body()).get("status").asString()).isEqualTo("UP");
        }
    }

    @Test
    void prometheusNeedsTheScrapeToken() {
        assertThat(api.get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
        assertThat(api.get("/actuator/prometheus", "wrong-token").statusCode()).isEqualTo(401);
        var bearer = api.get("/actuator/prometheus", SCRAPE_TOKEN);
        assertThat(bearer.statusCode()).isEqualTo(200);
        assertThat(bearer.body()).contains("# HELP");
        String basic = Base64.getEncoder().encodeToString(("prometheus:" + SCRAPE_TOKEN).getBytes());
        var response = api.send(at("/actuator/prometheus").header("Authorization", "Basic " + basic).GET().build());
        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void meteredRequestsAppearAsTenantCounters() {
        var tenant = tenant(UNLIMITED);
        assertThat(
                api.post("/v1/completions", tenant.key(), "{\"model\":\"moe-demo\",\"prompt\":\"a\",\"max_tokens\":1}")
                        .statusCode())
                .isEqualTo(200);
        String metrics = api.get("/actuator/prometheus", SCRAPE_TOKEN).body();
        assertThat(metrics).containsPattern("platform_api_requests_total\\{[^}]*tenant=\"" + tenant.id() + "\"");
        assertThat(metrics).doesNotContain(tenant.key());
    }

    @Test
    void deniesOtherActuatorEndpointsAndUnknownPaths() {
        assertThat(api.get("/actuator/env", SCRAPE_TOKEN).statusCode()).isIn(401, 403);
        assertThat(api.get("/actuator/beans", null).statusCode()).isIn(401, 403);
        assertThat(api.get("/anything", null).statusCode()).isEqualTo(403);
    }

    @Test
    void consoleNeedsFormLoginWithCsrfAndRotatesTheSession() throws Exception {
        var landing = browse(at("/admin").GET());
        assertThat(landing.statusCode()).isEqualTo(302);
        assertThat(landing.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login");

        var loginPage = browse(at("/admin/login").GET());
        assertThat(loginPage.statusCode()).isEqualTo(200);
        var token = CSRF.matcher(loginPage.body());
        assertThat(token.find()).isTrue();
        String sessionBefore = session();

        var withoutCsrf = browse(at("/admin/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(form("username", "admin", "password", ADMIN_PASSWORD)));
        assertThat(withoutCsrf.statusCode()).isEqualTo(403);

        var wrongPassword = browse(at("/admin/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(form("username", "admin", "password", "nope", "_csrf", token.group(1))));
        assertThat(wrongPassword.headers().firstValue("Location").orElseThrow()).endsWith("/admin/login?error");

        loginPage = browse(at("/admin/login").GET());
        token = CSRF.matcher(loginPage.body());
        assertThat(token.find()).isTrue();
        var signedIn = browse(at("/admin/login").header("Content-Type", "application/x-www-form-urlencoded")
                .POST(form("username", "admin", "password", ADMIN_PASSWORD, "_csrf", token.group(1))));
        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location").orElseThrow()).matches(".*/admin(\\?continue)?");
        assertThat(session()).isNotEmpty().isNotEqualTo(sessionBefore);

        var console = browse(at("/admin").GET());
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.body()).contains("<h1>Overview</h1>").contains("<span>admin</span>");
    }

    @Test
    void consoleSessionDoesNotOpenTheApi() throws Exception {
        var response = browse(at("/v1/models").GET());
        assertThat(response.statusCode()).isEqualTo(401);
    }

    private String session() {
        return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals("JSESSIONID"))
                .map(c -> c.getValue()).findFirst().orElse("");
    }
}
