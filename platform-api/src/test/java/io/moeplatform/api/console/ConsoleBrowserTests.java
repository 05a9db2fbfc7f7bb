package io.moeplatform.api.console;

import static org.assertj.core.api.Assertions.assertThat;

import io.moeplatform.adapters.testing.DemoLoraAdapter;
import io.moeplatform.api.PlatformApplication;
import io.moeplatform.api.testing.PlatformTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.util.FileSystemUtils;

/**
 * The console in a real headless Chromium against the whole application on PostgreSQL: an administrator signs in,
 * creates a tenant, sets its limits, issues a key, the key calls the API, the usage appears in the console, the
 * playground streams a chat, a knowledge graph and a LoRA zip are uploaded through the adapter pages and the graph's
 * injection previewed, a console user is created and administered, the audit log lists the changes, suspension
 * locks the key out. Screenshots of every page go to {@code target/screenshots/} for a person to look at.
 */
@SpringBootTest(classes = PlatformApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConsoleBrowserTests extends PlatformTest {

    static Path profile;
    static ChromeDriver browser;
    WebDriverWait wait;

    @BeforeAll
    static void startBrowser() throws Exception {
        HeadlessChromium.requireInstalled();
        profile = Files.createTempDirectory("console-chromium-");
        browser = HeadlessChromium.start(profile);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
        if (profile != null) {
            FileSystemUtils.deleteRecursively(profile.toFile());
        }
    }

    @Test
    void administratorRunsATenantFromSignInToUsage() throws Exception {
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class); // text(): look the element up again
        try {
            walkThroughTheConsole();
        } catch (Throwable failure) {
            // what the browser showed when it failed, for the person reading the report
            shot("failure");
            Files.writeString(HeadlessChromium.SCREENSHOTS.resolve("failure.html"), browser.getPageSource());
            throw failure;
        }
    }

    private void walkThroughTheConsole() {
        var tenantName = "browser-" + UUID.randomUUID().toString().substring(0, 8);

        // sign-in: anonymous visitors land on the form; a wrong password is refused
        open("/admin");
        assertThat(browser.getCurrentUrl()).endsWith("/admin/login");
        assertThat(browser.findElements(By.cssSelector("input[name=_csrf]"))).hasSize(1);
        shot("01-sign-in");
        signIn("admin", "wrong-password-123");
        assertThat(text("[role=alert]")).contains("Wrong user name or password");
        signIn("admin", ADMIN_PASSWORD);

        // overview: live numbers by server-sent events
        wait.until(ExpectedConditions.textToBe(By.cssSelector("[data-stream-state]"), "live"));
        assertThat(text("h1")).isEqualTo("Overview");
        assertThat(text("[data-field=models]")).contains(MODEL);
        shot("02-overview");

        // keyboard: the first Tab reaches the skip link, which moves focus to the content
        browser.findElement(By.tagName("body")).sendKeys(Keys.TAB);
        assertThat(browser.switchTo().activeElement().getAttribute("class")).isEqualTo("skip-link");

        // tenants: validation beside the field, then creation
        click("a[href='/admin/tenants']");
        click("a[href='/admin/tenants/new']");
        type("#name", "no spaces allowed");
        submit("form[action='/admin/tenants'] button[type=submit]");
        assertThat(text("#name-error")).contains("Use 1 to 100 letters");
        shot("03-tenant-validation");
        type("#name", tenantName);
        submit("form[action='/admin/tenants'] button[type=submit]");
        assertThat(text(".notice")).contains("The tenant was created");
        assertThat(text("h1")).contains(tenantName);
        var tenantPath = browser.getCurrentUrl().substring(browser.getCurrentUrl().indexOf("/admin/tenants/"));
        shot("04-tenant");

        // quotas: an invalid limit is refused beside its field, a valid plan saved with consumption beside it
        click("a[href='" + tenantPath + "/quotas']");
        type("#tokensPerDay", "-5");
        submit("form[action$='/quotas'] button[type=submit]");
        assertThat(text("#tokensPerDay-error")).contains("at least 0");
        type("#tokensPerDay", "100000");
        type("#requestsPerMinute", "600");
        submit("form[action$='/quotas'] button[type=submit]");
        assertThat(text(".notice")).contains("limits were saved");
        assertThat(browser.findElement(By.id("tokensPerDay")).getAttribute("value")).isEqualTo("100000");
        assertThat(text("#tokensPerDay-hint")).contains("Today: 0 used");
        shot("05-quotas");

        // API keys: the secret is shown once, with a copy button
        open(tenantPath + "/keys");
        type("#name", "browser key");
        submit("#issue-key button[type=submit]");
        var secret = element("#issued-secret").getAttribute("value");
        assertThat(secret).startsWith("sk-moe-");
        assertThat(browser.findElement(By.cssSelector("button[data-copy=issued-secret]")).isDisplayed()).isTrue();
        shot("06-key-issued");
        open(tenantPath + "/keys");
        assertThat(browser.getPageSource()).doesNotContain(secret);
        assertThat(text("table tbody")).contains(secret.substring(0, 15)).contains("browser key");

        // the key calls the API; the usage appears in the console
        var reply = api.post("/v1/chat/completions", secret, "{\"model\":\"" + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":4}");
        assertThat(reply.statusCode()).isEqualTo(200);
        open("/admin/usage");
        new Select(browser.findElement(By.id("tenant"))).selectByVisibleText(tenantName);
        submit("form[action='/admin/usage'] button[type=submit]");
        assertThat(text("[data-total=requests]")).isEqualTo("1");
        assertThat(text("#usage-by-model tbody")).contains(MODEL);
        wait.until(driver -> "true".equals(driver.findElement(By.id("usage-charts")).getAttribute("data-drawn")));
        assertThat(browser.findElement(By.cssSelector("a[href^='/admin/usage.csv']")).isDisplayed()).isTrue();
        shot("07-usage");
        // with no tenant picked, the platform admin's CSV holds every tenant's events, with a tenant column
        open("/admin/usage");
        var allTenants = element("a[href^='/admin/usage.csv?from=']").getAttribute("href");
        var csv = download(allTenants);
        assertThat(csv.split("\n")[0]).startsWith("tenant,request_id,");
        assertThat(csv).contains("\n" + tenantName + ",").contains("," + MODEL + ",");

        // playground: streams a chat with the pasted key and measures it
        open("/admin/playground");
        type("#pg-key", secret);
        type("#pg-prompt", "Say hello");
        type("#pg-max-tokens", "8");
        // greedy: with the form's default temperature (0.7) the demo model sometimes samples end-of-sequence first,
        // and a reply without tokens has no time to first token
        type("#pg-temperature", "0");
        submit("#pg-send");
        wait.until(driver -> "true".equals(driver.findElement(By.id("pg-output")).getAttribute("data-done")));
        assertThat(text("#pg-ttft")).endsWith("ms");
        assertThat(text("#pg-tokens")).matches("[1-9][0-9]*");
        shot("08-playground");

        // adapters: create a knowledge-graph adapter, upload a graph through the form (with progress), see its
        // stats, preview the injection, make it the tenant default, and see the API inject it
        click("a[href='/admin/adapters']");
        var tenantId = tenantPath.substring("/admin/tenants/".length());
        var otherTenantId = browser.findElements(By.cssSelector("a[href^='/admin/adapters?tenant=']")).stream()
                .map(link -> link.getAttribute("href").replaceAll(".*tenant=", "")).filter(id -> !id.equals(tenantId))
                .findFirst().orElseThrow();
        click("a[href='/admin/adapters?tenant=" + tenantId + "']");
        type("#name", "Not Valid");
        submit("#create-adapter button[type=submit]");
        assertThat(text("#name-error")).contains("lower-case letters");
        type("#name", "handbook");
        submit("#create-adapter button[type=submit]");
        assertThat(text(".notice")).contains("adapter was created");
        // choosing a file picks the format from its extension
        element("#graph-file").sendKeys(tempFile(".ttl", new byte[0]).toString());
        assertThat(new Select(element("#graph-format")).getFirstSelectedOption().getAttribute("value"))
                .isEqualTo("turtle");
        // a file above the 256 MB graph limit is refused beside the field before any of it is sent
        element("#graph-file").sendKeys(sparseFile(".json", 300L << 20).toString());
        submit("#graph-upload button[type=submit]");
        assertThat(text("#graph-error")).contains("larger than the 256 MB accepted here");
        assertThat(element("#graph-file").getAttribute("aria-invalid")).isEqualTo("true");
        assertThat(text("#stat-imports")).isEqualTo("0");
        element("#graph-file").sendKeys(graphFile().toString());
        new Select(browser.findElement(By.id("graph-format"))).selectByValue("json");
        recordUploadStates("#graph-upload");
        submit("#graph-upload button[type=submit]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "imported"));
        // the upload went through adapters.js, whose progress box showed the sending and then the checking
        assertThat(uploadStates()).anyMatch(state -> state.startsWith("Uploading"))
                .contains("Uploaded; checking and storing\u2026");
        assertThat(text("#stat-entities")).isEqualTo("3");
        assertThat(text("#stat-relations")).isEqualTo("2");
        assertThat(text("#stat-imports")).isEqualTo("1");
        shot("09-adapter-graph");
        type("#prompt", "Who founded Acme Robotics?");
        submit("#preview button[type=submit]");
        assertThat(text("#injected-text")).contains("Acme Robotics").contains("Ada Lovelace");
        assertThat(text("#preview-result h3")).matches("[1-9][0-9]* tokens would be injected.*");
        shot("10-adapter-preview");
        submit("form[action$='/handbook/default'] button[type=submit]");
        assertThat(text(".notice")).contains("tenant default");
        var adapted = api.post("/v1/chat/completions", secret, "{\"model\":\"" + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about Acme Robotics\"}],"
                + "\"max_tokens\":2}");
        assertThat(adapted.statusCode()).isEqualTo(200);
        assertThat(adapted.headers().firstValue("x-moe-adapter")).hasValue("handbook");
        assertThat(Integer.parseInt(adapted.headers().firstValue("x-moe-injected-tokens").orElseThrow()))
                .isPositive();

        // a LoRA adapter: the engine's refusal of a broken zip is shown beside the field, a valid one its stats
        open(tenantPath + "/adapters");
        type("#name", "tone");
        new Select(browser.findElement(By.id("kind"))).selectByValue("LORA");
        submit("#create-adapter button[type=submit]");
        assertThat(text(".notice")).contains("adapter was created");
        element("#lora-file").sendKeys(tempFile(".zip", "{\"r\": 4}".getBytes()).toString());
        submit("#lora-upload button[type=submit]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("lora-error"), "not a readable zip"));
        element("#lora-file").sendKeys(tempFile(".zip", DemoLoraAdapter.attention(4, 3).zip()).toString());
        submit("#lora-upload button[type=submit]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "LoRA weights"));
        assertThat(text("#lora-rank")).isEqualTo("4");
        assertThat(text("#lora-stats")).contains("q_proj");
        shot("11-adapter-lora");
        // deleting asks first; the list no longer has it
        submit("form[action$='/adapters/tone/delete'] button[type=submit]");
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "deleted"));
        assertThat(text("table tbody")).contains("handbook").doesNotContain("tone");

        // console users: the platform admin creates a tenant admin for this tenant
        click("a[href='/admin/users']");
        type("#name", "ops-" + tenantName);
        new Select(browser.findElement(By.id("tenantId"))).selectByVisibleText(tenantName);
        type("#newPassword", "short");
        submit("#create-user button[type=submit]");
        assertThat(text("#newPassword-error")).contains("at least 12");
        type("#newPassword", "a long enough password");
        submit("#create-user button[type=submit]");
        assertThat(text(".notice")).contains("user was created");
        assertThat(text("table tbody")).contains("ops-" + tenantName).contains("tenant admin");
        shot("12-users");
        // disabling asks first, enabling undoes it
        submit("form[action='/admin/users/ops-" + tenantName + "/disable'] button[type=submit]");
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "disabled"));
        submit("form[action='/admin/users/ops-" + tenantName + "/enable'] button[type=submit]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "enabled"));
        // a too short new password is held back by the browser (minlength), a long one is set
        var reset = "#reset-ops-" + tenantName;
        type(reset, "short");
        submit("form[action='/admin/users/ops-" + tenantName + "/password'] button[type=submit]");
        assertThat((Boolean) browser.executeScript("return document.querySelector(arguments[0]).validity.tooShort",
                reset)).isTrue();
        type(reset, "another long password");
        submit("form[action='/admin/users/ops-" + tenantName + "/password'] button[type=submit]");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "password was set"));

        // audit log: every change of this tenant, by the signed-in administrator
        open("/admin/audit");
        new Select(browser.findElement(By.id("tenant"))).selectByVisibleText(tenantName);
        submit("form[action='/admin/audit'] button[type=submit]");
        assertThat(text("#audit-events tbody")).contains("tenant created", "plan changed", "key issued", "admin",
                "adapter created", "knowledge graph imported", "adapter deleted", "user created", "user disabled",
                "user enabled", "password changed");
        shot("13-audit");

        // suspension locks the tenant's key out of the API
        open(tenantPath);
        submit("form[action$='/suspend'] button[type=submit]");
        wait.until(ExpectedConditions.alertIsPresent()).accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".notice"), "suspended"));
        assertThat(api.post("/v1/chat/completions", secret, "{\"model\":\"" + MODEL
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":2}").statusCode())
                .isEqualTo(401);
        shot("14-tenant-suspended");

        // language switch, remembered across pages
        click("a[lang=zh-CN]");
        assertThat(text("h1")).contains("租户");
        open("/admin/tenants");
        assertThat(text("h1")).isEqualTo("租户");
        shot("15-tenants-zh-CN");
        click("a[lang=en]");

        // change-password page, the not-found page, and a tablet-width layout
        open("/admin/password");
        shot("16-password");
        open("/admin/tenants/not-a-tenant");
        assertThat(text("main")).contains("does not exist").doesNotContain("Exception");
        shot("17-not-found");
        browser.manage().window().setSize(new Dimension(800, 1100));
        open("/admin/tenants");
        assertThat(browser.findElement(By.cssSelector("nav .menu")).isDisplayed()).isTrue();
        shot("18-tenants-tablet");
        // the adapter and users pages fit the tablet's width (wide tables scroll inside their own box)
        open(tenantPath + "/adapters/handbook");
        assertThat(fitsTheWindowsWidth()).isTrue();
        shot("19-adapter-tablet");
        open("/admin/users");
        assertThat(fitsTheWindowsWidth()).isTrue();
        shot("20-users-tablet");
        browser.manage().window().setSize(new Dimension(1280, 1000));

        // sign-out
        submit("form[action='/admin/logout'] button");
        assertThat(text("[role=status]")).contains("signed out");
        open("/admin/tenants");
        assertThat(browser.getCurrentUrl()).endsWith("/admin/login");

        // the new tenant admin (with the password set above) sees its own tenant's adapters, no users page and
        // no other tenant's adapters
        signIn("ops-" + tenantName, "another long password");
        assertThat(browser.findElements(By.cssSelector("a[href='/admin/users']"))).isEmpty();
        click("a[href='/admin/adapters']");
        assertThat(browser.getCurrentUrl()).endsWith(tenantPath + "/adapters");
        assertThat(text("table tbody")).contains("handbook");
        open("/admin/users");
        assertThat(text("h1")).isEqualTo("Not allowed");
        open("/admin/tenants/" + otherTenantId + "/adapters");
        assertThat(text("h1")).isEqualTo("Not allowed");
        shot("21-tenant-admin-denied");
    }

    /**
     * Records each text the form's upload progress box shows while it is visible. The answer replaces the
     * document (document.open keeps the window), so the record is read afterwards from the window.
     */
    private void recordUploadStates(String form) {
        browser.executeScript("""
                window.uploadStates = [];
                const box = document.querySelector(arguments[0] + ' .upload-progress');
                const state = box.querySelector('.upload-state');
                new MutationObserver(() => {
                  if (!box.hidden) {
                    window.uploadStates.push(state.textContent);
                  }
                }).observe(box, {attributes: true, childList: true, subtree: true, characterData: true});
                """, form);
    }

    @SuppressWarnings("unchecked")
    private java.util.List<String> uploadStates() {
        return (java.util.List<String>) browser.executeScript("return window.uploadStates");
    }

    /** A download link's content, fetched in the browser's session (the browser itself would save it). */
    private String download(String url) {
        var session = browser.manage().getCookieNamed("JSESSIONID").getValue();
        try (var client = java.net.http.HttpClient.newHttpClient()) {
            var response = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .header("Cookie", "JSESSIONID=" + session).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            return response.body();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Whether the page needs no horizontal scrolling of the whole document. */
    private boolean fitsTheWindowsWidth() {
        return (Boolean) browser
                .executeScript("return document.documentElement.scrollWidth <= window.innerWidth");
    }

    /** A small graph in the JSON import format: a person, a company, who founded it and where it is. */
    private static Path graphFile() {
        return tempFile(".json", """
                    {"entities": [
                      {"id": "acme", "name": "Acme Robotics", "type": "company"},
                      {"id": "ada", "name": "Ada Lovelace", "type": "person"},
                      {"id": "berlin", "name": "Berlin", "type": "city"}],
                     "relations": [
                      {"source": "ada", "target": "acme", "type": "founded"},
                      {"source": "acme", "target": "berlin", "type": "headquartered_in"}]}
                """.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A sparse file of the given size: large for the browser, nothing on disk. */
    private static Path sparseFile(String suffix, long size) {
        try {
            var file = Files.createTempFile("console-upload-", suffix);
            try (var out = new java.io.RandomAccessFile(file.toFile(), "rw")) {
                out.setLength(size);
            }
            file.toFile().deleteOnExit();
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A file for the browser's file input, deleted when the test JVM ends. */
    private static Path tempFile(String suffix, byte[] content) {
        try {
            var file = Files.createTempFile("console-upload-", suffix);
            Files.write(file, content);
            file.toFile().deleteOnExit();
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void open(String path) {
        browser.get("http://127.0.0.1:" + port + path);
    }

    private void signIn(String user, String password) {
        type("#username", user);
        type("#password", password);
        submit("form[action='/admin/login'] button[type=submit]");
    }

    private WebElement element(String css) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
    }

    /**
     * The element's text, read again if the page was replaced under it (a form submitted with Enter navigates while
     * the next step already looks the element up).
     */
    private String text(String css) {
        return wait.until(driver -> element(css).getText().strip());
    }

    private void type(String css, String value) {
        var input = element(css);
        input.clear();
        input.sendKeys(value);
    }

    private void click(String css) {
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).click();
    }

    /** Presses the button with the keyboard (Enter), as a keyboard-only user would. */
    private void submit(String css) {
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector(css))).sendKeys(Keys.ENTER);
    }

    private void shot(String name) {
        HeadlessChromium.screenshot(browser, name);
    }
}
