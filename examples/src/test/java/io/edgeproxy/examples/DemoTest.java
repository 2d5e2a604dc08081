package io.edgeproxy.examples;

import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.config.EdgeProxySettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo end to end: real backends, the real proxy, clients from two "countries" on loopback. */
class DemoTest {

    private static final Pattern SERVED_BY = Pattern.compile("^backend (\\S+) \\(region (\\w+), country (\\w+)\\)");

    private static Demo demo;
    private static InetSocketAddress proxy;

    @BeforeAll
    static void startDemo() throws Exception {
        demo = Demo.start(EdgeProxySettings.fromEnvironment(
                Map.of("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0", "EDGEPROXY_EVENT_LOOPS", "1"), w -> { }));
        proxy = demo.proxyAddress();
    }

    @AfterAll
    static void stopDemo() {
        if (demo != null) {
            demo.close();
        }
    }

    private static String servedBy(String body) {
        Matcher m = SERVED_BY.matcher(body);
        assertThat(m.find()).as("answer names its backend: %s", body).isTrue();
        return m.group(1);
    }

    @Test
    void aClientFrom127001IsServedByABackendInSouthAmerica() throws Exception {
        String body = Http.get(proxy, "127.0.0.1", "/hello");

        assertThat(body).containsPattern("^backend sa-[12] \\(region sa, country BR\\) on 127\\.0\\.0\\.1:\\d+ answered"
                + " GET /hello\n");
        assertThat(body).contains("connection seen from 127.0.0.1:");
    }

    @Test
    void aClientFrom127002IsServedByABackendInEurope() throws Exception {
        String body = Http.get(proxy, "127.0.0.2", "/");

        assertThat(body).containsPattern("^backend eu-[12] \\(region eu, country DE\\)");
    }

    @Test
    void aClientKeepsItsBackendEvenWhenAnotherIsLessBusy() throws Exception {
        awaitNoActiveConnections();
        try (Socket held = Http.connect(proxy, "127.0.0.10")) {
            // 127.0.0.10 gets a backend and keeps a connection to it open: that backend is now busier.
            String own = servedBy(Http.exchange(held, "/", true));
            assertThat(own).startsWith("sa-");

            // A new client from the same country goes to the idle one: the load term of the score.
            String other = servedBy(Http.get(proxy, "127.0.0.11", "/"));
            assertThat(other).startsWith("sa-").isNotEqualTo(own);

            // 127.0.0.10 again, on a new connection: its binding wins over the idle backend.
            assertThat(servedBy(Http.get(proxy, "127.0.0.10", "/"))).isEqualTo(own);
            assertThat(servedBy(Http.get(proxy, "127.0.0.11", "/"))).isEqualTo(other);
        }
    }

    @Test
    void sleepHoldsTheAnswerAndBadValuesAreRefused() throws Exception {
        long start = System.nanoTime();
        String body = Http.get(proxy, "127.0.0.1", "/?sleep=1");

        assertThat(body).contains("answered GET /?sleep=1 after 1 s");
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(1_000_000_000L);
        assertThat(DemoBackend.sleepSeconds(java.net.URI.create("/?sleep=0"))).isEqualTo(-1);
        assertThat(DemoBackend.sleepSeconds(java.net.URI.create("/?sleep=61"))).isEqualTo(-1);
        assertThat(DemoBackend.sleepSeconds(java.net.URI.create("/?sleep=x"))).isEqualTo(-1);
        assertThat(DemoBackend.sleepSeconds(java.net.URI.create("/?a=1&sleep=5"))).isEqualTo(5);
        assertThat(DemoBackend.sleepSeconds(java.net.URI.create("/"))).isZero();
    }

    @Test
    void printsTheCurlLinesForItsRealAddress() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        demo.printInstructions(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String text = bytes.toString(StandardCharsets.UTF_8);
        String url = "http://127.0.0.1:" + proxy.getPort() + "/";

        assertThat(text).contains("  curl " + url + " ")
                .contains("  curl --interface 127.0.0.2 " + url + " ")
                .contains("curl '" + url + "?sleep=10' &")
                .contains("curl --interface 127.0.0.3 " + url)
                .contains("until 600 s after its last connection")
                .contains("sa-1  region sa, country BR, on 127.0.0.1:")
                .contains("eu-2  region eu, country DE, on 127.0.0.1:")
                .contains("Press Ctrl+C to stop.");
    }

    private static void awaitNoActiveConnections() {
        Eventually.await(Duration.ofSeconds(5), "no active connections", () -> demo.proxy().activeConnections() == 0,
                () -> "(" + demo.proxy().activeConnections() + " active)");
    }
}
