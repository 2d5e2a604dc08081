package io.edgeproxy.examples;

import io.edgeproxy.examples.EdgeProxyMain.Launch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The launcher's {@code EDGEPROXY_METRICS_*} variables: the endpoint serves, stops with the proxy, names its variable. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeProxyMainMetricsTest {

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private Map<String, String> env(int backendPort, String... keyValues) throws IOException {
        Path file = dir.resolve("backends.toml");
        Files.writeString(file, "[[backends]]\nid = \"origin\"\napp = \"t\"\nregion = \"sa\"\ncountry = \"BR\"\n"
                + "wg_ip = \"127.0.0.1\"\nport = " + backendPort + "\n");
        Map<String, String> env = new HashMap<>();
        env.put("EDGEPROXY_EVENT_LOOPS", "1");
        env.put("EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0");
        env.put("EDGEPROXY_CONFIG_PATH", file.toString());
        for (int i = 0; i < keyValues.length; i += 2) {
            env.put(keyValues[i], keyValues[i + 1]);
        }
        return env;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private List<String> scrapeLines(int port, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Arrays.asList(r.body().split("\n"));
    }

    @Test
    void metricsEnabledServesTheProxysMetricsAndStopsWithIt() throws Exception {
        try (ServerSocket origin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int metricsPort = freePort();
            Launch launch = EdgeProxyMain.start(new String[0], env(origin.getLocalPort(),
                    "EDGEPROXY_METRICS_ENABLED", "true", "EDGEPROXY_METRICS_LISTEN_ADDR", "127.0.0.1:" + metricsPort,
                    "EDGEPROXY_METRICS_PATH", "/prom"), out, err);
            try (launch) {
                assertThat(launch.isRunning()).as(errBytes.toString(StandardCharsets.UTF_8)).isTrue();
                try (Socket client = new Socket()) {
                    client.connect(launch.proxy().localAddress(), 5_000);
                    try (Socket accepted = origin.accept()) {
                        client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                        assertThat(accepted.getInputStream().readNBytes(4)).isEqualTo("ping".getBytes(StandardCharsets.US_ASCII));
                    }
                }
                List<String> lines = scrapeLines(metricsPort, "/prom");
                assertThat(lines).contains("# TYPE edgeproxy_connections_total counter", "edgeproxy_connections_total 1.0",
                        "# TYPE edgeproxy_backend_rtt_seconds histogram");
            }
            assertThatThrownBy(() -> scrapeLines(metricsPort, "/prom")).isInstanceOf(ConnectException.class);
        }
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).doesNotContain("unknown environment variable");
    }

    /** @return the scraped lines once one of them equals {@code line} (or the last scrape after 10 s) */
    private List<String> scrapeUntilLine(int port, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> lines = scrapeLines(port, "/metrics");
        while (!lines.contains(line) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            lines = scrapeLines(port, "/metrics");
        }
        return lines;
    }

    @Test
    void theDemoServesMetricsWhenTheyAreEnabled() throws Exception {
        int metricsPort = freePort();
        Launch launch = EdgeProxyMain.start(new String[] {"--demo"}, Map.of("EDGEPROXY_EVENT_LOOPS", "1",
                "EDGEPROXY_LISTEN_ADDR", "127.0.0.1:0", "EDGEPROXY_METRICS_ENABLED", "true",
                "EDGEPROXY_METRICS_LISTEN_ADDR", "127.0.0.1:" + metricsPort), out, err);
        try (launch) {
            assertThat(launch.isRunning()).as(errBytes.toString(StandardCharsets.UTF_8)).isTrue();
            assertThat(scrapeLines(metricsPort, "/metrics")).contains("# TYPE edgeproxy_connections_total counter");
        }
    }

    @Test
    void configReloadsAreCountedByResult() throws Exception {
        try (ServerSocket origin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int metricsPort = freePort();
            Map<String, String> env = env(origin.getLocalPort(), "EDGEPROXY_METRICS_ENABLED", "true",
                    "EDGEPROXY_METRICS_LISTEN_ADDR", "127.0.0.1:" + metricsPort,
                    "EDGEPROXY_CONFIG_WATCH_ENABLED", "true", "EDGEPROXY_CONFIG_WATCH_INTERVAL_SECS", "1");
            Path file = Path.of(env.get("EDGEPROXY_CONFIG_PATH"));
            String good = Files.readString(file);
            try (Launch launch = EdgeProxyMain.start(new String[0], env, out, err)) {
                assertThat(launch.isRunning()).as(errBytes.toString(StandardCharsets.UTF_8)).isTrue();
                assertThat(scrapeLines(metricsPort, "/metrics")).contains("# TYPE edgeproxy_config_reloads_total counter",
                        "edgeproxy_config_reloads_total{result=\"ok\"} 0.0", "edgeproxy_config_reloads_total{result=\"failed\"} 0.0");

                Files.writeString(file, good.replace("port = " + origin.getLocalPort(), "port = 70000"));
                assertThat(scrapeUntilLine(metricsPort, "edgeproxy_config_reloads_total{result=\"failed\"} 1.0"))
                        .contains("edgeproxy_config_reloads_total{result=\"failed\"} 1.0",
                                "edgeproxy_config_reloads_total{result=\"ok\"} 0.0");
                Files.writeString(file, good + "weight = 2\n");
                assertThat(scrapeUntilLine(metricsPort, "edgeproxy_config_reloads_total{result=\"ok\"} 1.0"))
                        .contains("edgeproxy_config_reloads_total{result=\"ok\"} 1.0",
                                "edgeproxy_config_reloads_total{result=\"failed\"} 1.0");
            }
        }
    }

    @Test
    void aMetricsAddressInUseExitsOneNamingItsVariable() throws Exception {
        try (ServerSocket origin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Launch launch = EdgeProxyMain.start(new String[0], env(origin.getLocalPort(),
                    "EDGEPROXY_METRICS_ENABLED", "true", "EDGEPROXY_METRICS_LISTEN_ADDR", "127.0.0.1:" + taken.getLocalPort()),
                    out, err);
            launch.close();
            assertThat(launch.exitCode()).isEqualTo(EdgeProxyMain.EXIT_CANNOT_START);
            assertThat(errBytes.toString(StandardCharsets.UTF_8))
                    .startsWith("edge-proxy: cannot listen on 127.0.0.1:" + taken.getLocalPort() + " (EDGEPROXY_METRICS_LISTEN_ADDR): ")
                    .contains("set EDGEPROXY_METRICS_LISTEN_ADDR to a free address");
        }
    }

    @Test
    void aBadMetricsVariableExitsTwoNamingIt() throws Exception {
        Launch launch = EdgeProxyMain.start(new String[0], env(1, "EDGEPROXY_METRICS_PATH", "metrics"), out, err);
        assertThat(launch.exitCode()).isEqualTo(EdgeProxyMain.EXIT_CONFIG);
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "edge-proxy: EDGEPROXY_METRICS_PATH must be a URL path starting with '/' without spaces, '?' or '#',"
                        + " such as /metrics, but was \"metrics\"\n");
    }
}
