package io.edgeproxy.adapters.prometheus;

import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.RejectReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The HTTP endpoint and the validity of the exposition. */
class MetricsEndpointTest {

    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private PrometheusMetricsStore store;

    @AfterEach
    void tearDown() {
        if (store != null) {
            store.close();
        }
    }

    static HttpResponse<String> get(HttpClient http, InetSocketAddress at, String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + at.getPort() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    @Test
    void servesTheExpositionOnTheConfiguredPathAndStopsWhenClosed() throws Exception {
        store = PrometheusMetricsStore.builder().endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/internal/prom")).build();
        store.onRejected(new InetSocketAddress("127.0.0.1", 1), null, RejectReason.CIRCUIT_OPEN);
        store.startEndpoint();
        InetSocketAddress at = store.endpointAddress();
        assertThat(at.getPort()).isPositive();

        HttpResponse<String> r = get(http, at, "/internal/prom");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain"));
        PrometheusText text = PrometheusText.parse(r.body());
        assertThat(text.require("edgeproxy_connections_rejected_total")
                .value("edgeproxy_connections_rejected_total", Map.of("reason", "circuit_open"))).isEqualTo(1);
        assertThat(text.families().keySet()).contains("process_cpu_seconds_total");

        store.close();
        assertThat(store.endpointAddress()).isNull();
        assertThatThrownBy(() -> get(http, at, "/internal/prom")).isInstanceOf(ConnectException.class);
    }

    @Test
    void anEndpointSwitchedOffServesNothing() {
        store = PrometheusMetricsStore.create();
        store.startEndpoint();
        assertThat(store.endpointAddress()).isNull();
        assertThat(store.scrape()).contains("# TYPE edgeproxy_connections_total counter");
    }

    @Test
    void anAddressInUseIsReportedWithTheAddress() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            store = PrometheusMetricsStore.builder()
                    .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:" + taken.getLocalPort(), "/metrics")).build();
            assertThatThrownBy(store::startEndpoint)
                    .hasMessageStartingWith("metrics endpoint cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    /** Runs when Debian's {@code prometheus} package is installed; CI without it relies on the parser tests. */
    @Test
    void promtoolAcceptsTheExposition(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PROMTOOL), "promtool not installed (apt-get install prometheus)");
        store = PrometheusMetricsStore.create();
        FakeConnection c = new FakeConnection();
        var backend = PrometheusMetricsStoreTest.backend("sa-1");
        store.backendsChanged(List.of(backend, PrometheusMetricsStoreTest.backend("eu-1")));
        store.onOpened(c);
        store.onRouted(c, backend);
        store.onConnected(c, backend, 250_000);
        store.onBytes(c, backend, 100, 200);
        store.onClosed(c, CloseReason.COMPLETED);
        store.onRejected(new InetSocketAddress("127.0.0.1", 1), null, RejectReason.DRAINING);
        store.countReloads(() -> 2, () -> 1);
        assertThat(promtoolCheck(store.scrape(), dir)).isEmpty();
    }

    /** @return promtool's complaints (empty when it accepts the text); fails the test when promtool fails outright */
    static String promtoolCheck(String exposition, Path dir) throws Exception {
        Path in = dir.resolve("scrape.txt");
        Files.writeString(in, exposition, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectInput(in.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool check metrics said:\n" + out).isZero();
        return out.trim();
    }
}
