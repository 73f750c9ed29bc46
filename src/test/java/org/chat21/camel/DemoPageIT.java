package org.chat21.camel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The demo page at /chat/ end to end in a real headless browser (Debian's chromium and chromedriver, driven
 * by Selenium; nothing is downloaded): two users, each in a browser of their own, paste their tokens and chat;
 * each sees the other's message arrive live, without a reload, and the conversation in the list.
 */
class DemoPageIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static ServiceHarness svc;
    static final List<Path> profiles = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("DemoPageIT needs Debian's chromium and chromedriver: apt-get install -y chromium chromium-driver");
        }
        // Selenium Manager (which downloads browsers and drivers) must never run: the driver is given, and were
        // it started anyway it would be offline
        System.setProperty("SE_OFFLINE", "true");
        System.setProperty("SE_AVOID_STATS", "true");
        svc = new ServiceHarness();
    }

    @AfterAll
    static void stop() throws Exception {
        if (svc != null) {
            svc.close();
        }
        for (Path profile : profiles) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    static WebDriver browser() throws Exception {
        Path profile = Files.createTempDirectory("chat21-chromium-");
        profiles.add(profile);
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    static WebDriverWait waiting(WebDriver browser) {
        return new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    /** Opens the page, pastes the token, and waits until the page says who it is and that it is live. */
    static void signIn(WebDriver browser, String user) {
        browser.get(svc.base() + "/chat/");
        WebElement token = waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("token")));
        token.sendKeys(svc.user(user));
        browser.findElement(By.id("use-token")).click();
        waiting(browser).until(ExpectedConditions.textToBe(By.id("who"), user + " @ " + svc.appId));
        waiting(browser).until(ExpectedConditions.textToBe(By.id("status"), "live"));
        // gone if the page reloads
        ((JavascriptExecutor) browser).executeScript("window.sameDocument = true;");
    }

    static void open(WebDriver browser, String with) {
        browser.findElement(By.id("open-with")).sendKeys(with);
        browser.findElement(By.id("open")).click();
        waiting(browser).until(ExpectedConditions.textToBe(By.id("title"), with));
    }

    static void send(WebDriver browser, String text) {
        waiting(browser).until(ExpectedConditions.elementToBeClickable(By.id("text"))).sendKeys(text);
        browser.findElement(By.id("send")).click();
    }

    static void waitForMessage(WebDriver browser, String text) {
        waiting(browser).until(b -> b.findElements(By.cssSelector("#messages li span")).stream()
                .anyMatch(e -> e.getText().equals(text)));
    }

    static boolean sameDocument(WebDriver browser) {
        return Boolean.TRUE.equals(((JavascriptExecutor) browser).executeScript("return window.sameDocument === true;"));
    }

    @Test
    void thePageAndTheStreamFollowBaseUrl() throws Exception {
        try (ServiceHarness other = new ServiceHarness(java.util.Map.of("camel.rest.context-path", "/v2"), null)) {
            var config = other.get("/chat/config.json", null);
            assertEquals(200, config.statusCode());
            assertEquals("/v2", org.chat21.camel.common.Json.readMap(config.body()).get("api"));
            var page = other.get("/chat/", null);
            assertEquals(200, page.statusCode());
            assertTrue(page.body().contains("<script src=\"app.js\"></script>"), page.body());
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'self'"));
            assertEquals(302, other.get("/chat", null).statusCode());
            try (SseClient stream = SseClient.open(other.base() + "/v2/" + other.appId + "/bob/events?jwt=" + other.user("bob"))) {
                assertEquals(200, stream.status());
            }
        }
    }

    @Test
    void twoUsersChatLiveInTwoBrowsers() throws Exception {
        WebDriver one = browser();
        WebDriver two = browser();
        try {
            signIn(one, "USER1");
            signIn(two, "USER2");
            open(two, "USER1");
            open(one, "USER2");

            // markup in a message is text, never HTML
            String hello = "hello USER2 <b>not bold</b>";
            send(one, hello);
            waitForMessage(two, hello);
            assertTrue(two.findElements(By.cssSelector("#messages b b, #messages span b")).isEmpty(), "no element from message text");
            // the conversation shows in USER2's list, live
            waiting(two).until(b -> !b.findElements(By.cssSelector("#conversations li[data-convers-with='USER1']")).isEmpty());

            send(two, "hi USER1, got it");
            waitForMessage(one, "hi USER1, got it");
            waiting(one).until(b -> !b.findElements(By.cssSelector("#conversations li[data-convers-with='USER2']")).isEmpty());

            // each message once on each side, in order
            for (WebDriver browser : List.of(one, two)) {
                List<String> texts = browser.findElements(By.cssSelector("#messages li span")).stream().map(WebElement::getText).toList();
                assertEquals(List.of(hello, "hi USER1, got it"), texts);
                assertTrue(sameDocument(browser), "no reload");
            }
        } finally {
            one.quit();
            two.quit();
        }
    }
}
