package io.edgeproxy.adapters.prometheus;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.config.ConfigFile;
import io.edgeproxy.infrastructure.config.ConfigReloads;
import io.edgeproxy.infrastructure.config.ResilienceSettings;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real traffic through a real {@link EdgeProxy}, then an HTTP scrape of the store's endpoint parsed
 * back: every metric with its type, the bytes the test moved, one RTT observation per connection,
 * refused clients by reason, series that follow the backend set.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusMetricsEndToEndTest {

    private static final int REQUEST = 3_000;
    private static final int RESPONSE = 50_000;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicInteger nextClient = new AtomicInteger(20);

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** A backend that reads a client's bytes until its FIN, then answers {@code RESPONSE} bytes and closes. */
    private static final class Origin implements AutoCloseable {
        final ServerSocket server;
        final ExecutorService threads = Executors.newCachedThreadPool();
        final AtomicLong received = new AtomicLong();

        Origin() throws IOException {
            server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        threads.execute(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s) {
                received.addAndGet(s.getInputStream().readAllBytes().length);
                s.getOutputStream().write(new byte[RESPONSE]);
            } catch (IOException probeOrReset) {
                // a health probe connects and leaves
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }

    private static Backend backend(String id, int port) {
        return Backend.builder(id).app("test").region("sa").country("BR").address("127.0.0.1").port(port).build();
    }

    private InetAddress freshClient() throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) nextClient.getAndIncrement()});
    }

    /** Sends {@code REQUEST} bytes from {@code from}, half-closes, and returns how many bytes came back (-1: refused). */
    private static long exchange(EdgeProxy proxy, InetAddress from) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(proxy.localAddress(), 5_000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            try {
                out.write(new byte[REQUEST]);
                s.shutdownOutput();
                return in.readAllBytes().length;
            } catch (SocketException refused) {
                return -1;
            }
        }
    }

    private PrometheusText scrape(PrometheusMetricsStore metrics) throws Exception {
        var r = MetricsEndpointTest.get(http, metrics.endpointAddress(), "/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        return PrometheusText.parse(r.body());
    }

    private PrometheusText scrapeUntil(PrometheusMetricsStore metrics, Predicate<PrometheusText> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        PrometheusText text = scrape(metrics);
        while (!done.test(text) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            text = scrape(metrics);
        }
        return text;
    }

    private static double value(PrometheusText text, String family, String sample, Map<String, String> labels) {
        return text.require(family).value(sample, labels);
    }

    private static double counter(PrometheusText text, String name, Map<String, String> labels) {
        return value(text, name, name, labels);
    }

    @Test
    void realTrafficShowsUpInTheScrapedExposition() throws Exception {
        Origin sa = track(new Origin());
        Origin eu = track(new Origin());
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backend("sa-1", sa.port()), backend("eu-1", eu.port())));
        PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
                .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/metrics")).build();
        EdgeProxy proxy = track(metrics.applyTo(EdgeProxy.builder())
                .listenAddress("127.0.0.1:0")
                .backendRepository(repo)
                .rateLimit(RateLimitConfig.builder().maxRequests(1).window(Duration.ofMinutes(10)).burstSize(1).build())
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .healthCheck(HealthCheckConfig.builder().interval(Duration.ofSeconds(1)).build())
                .build()
                .start());

        int connections = 12;
        long down = 0;
        for (int i = 0; i < connections; i++) {
            down += exchange(proxy, freshClient());
        }
        assertThat(down).isEqualTo((long) connections * RESPONSE);

        // a client that comes back within the window has no token left: rate_limited
        InetAddress twice = freshClient();
        assertThat(exchange(proxy, twice)).isEqualTo(RESPONSE);
        connections++;
        assertThat(exchange(proxy, twice)).isIn(-1L, 0L);   // closed at once, no byte relayed

        PrometheusText text = scrapeUntil(metrics, t -> counter(t, "edgeproxy_connections_active", Map.of()) == 0
                && t.require("edgeproxy_connections_rejected_total")
                        .value("edgeproxy_connections_rejected_total", Map.of("reason", "rate_limited")) == 1);

        Map<String, String> types = Map.of(
                "edgeproxy_connections_total", "counter",
                "edgeproxy_connections_active", "gauge",
                "edgeproxy_bytes_sent_total", "counter",
                "edgeproxy_bytes_received_total", "counter",
                "edgeproxy_backend_connections_total", "counter",
                "edgeproxy_backend_connections_active", "gauge",
                "edgeproxy_backend_errors_total", "counter",
                "edgeproxy_backend_rtt_seconds", "histogram",
                "edgeproxy_connections_rejected_total", "counter",
                "edgeproxy_backend_circuit_state", "gauge");
        types.forEach((name, type) -> assertThat(text.require(name).type()).as(name).isEqualTo(type));
        assertThat(text.require("edgeproxy_backend_healthy").type()).isEqualTo("gauge");
        assertThat(text.require("process_cpu_seconds_total").type()).isEqualTo("counter");
        assertThat(text.families().keySet()).anyMatch(n -> n.startsWith("jvm_memory"));

        assertThat(counter(text, "edgeproxy_connections_total", Map.of())).isEqualTo(connections);
        double sent = 0;
        double received = 0;
        double perBackend = 0;
        double rttCount = 0;
        for (String id : List.of("sa-1", "eu-1")) {
            Map<String, String> b = Map.of("backend", id);
            sent += counter(text, "edgeproxy_bytes_sent_total", b);
            received += counter(text, "edgeproxy_bytes_received_total", b);
            perBackend += counter(text, "edgeproxy_backend_connections_total", b);
            rttCount += value(text, "edgeproxy_backend_rtt_seconds", "edgeproxy_backend_rtt_seconds_count", b);
            assertThat(counter(text, "edgeproxy_backend_connections_active", b)).isZero();
            assertThat(counter(text, "edgeproxy_backend_errors_total", b)).isZero();
            assertThat(value(text, "edgeproxy_backend_circuit_state", "edgeproxy_backend_circuit_state",
                    Map.of("backend", id, "state", "closed"))).isEqualTo(1);
            assertThat(counter(text, "edgeproxy_backend_healthy", b)).isEqualTo(1);
        }
        assertThat(sent).isEqualTo((double) connections * REQUEST);
        assertThat(received).isEqualTo((double) connections * RESPONSE);
        assertThat(sa.received.get() + eu.received.get()).isEqualTo((long) connections * REQUEST);
        assertThat(perBackend).isEqualTo(connections);
        assertThat(rttCount).isEqualTo(connections);
        var rejected = text.require("edgeproxy_connections_rejected_total");
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "rate_limited"))).isEqualTo(1);
        assertThat(rejected.value("edgeproxy_connections_rejected_total", Map.of("reason", "no_backend"))).isZero();

        // every backend leaves: the next client finds none, and the series of the backends are gone
        repo.replaceAll(List.of());
        // The series go one family after another on the watcher's loop: wait for the last of them.
        PrometheusText empty = scrapeUntil(metrics, t -> java.util.stream.Stream.of("edgeproxy_backend_connections_total",
                "edgeproxy_bytes_sent_total", "edgeproxy_backend_rtt_seconds")
                .allMatch(name -> t.family(name).map(f -> f.samples().isEmpty()).orElse(true)));
        assertThat(empty.family("edgeproxy_backend_connections_total")).isEmpty();
        assertThat(empty.family("edgeproxy_bytes_sent_total")).isEmpty();
        assertThat(empty.family("edgeproxy_backend_rtt_seconds")).isEmpty();
        assertThat(exchange(proxy, freshClient())).isIn(-1L, 0L);
        PrometheusText afterNoBackend = scrapeUntil(metrics, t -> t.require("edgeproxy_connections_rejected_total")
                .value("edgeproxy_connections_rejected_total", Map.of("reason", "no_backend")) == 1);
        assertThat(afterNoBackend.require("edgeproxy_connections_rejected_total")
                .value("edgeproxy_connections_rejected_total", Map.of("reason", "no_backend"))).isEqualTo(1);
        assertThat(counter(afterNoBackend, "edgeproxy_connections_total", Map.of())).isEqualTo(connections + 1);
    }

    @Test
    void aBackendThatRefusesCountsAsABackendError() throws Exception {
        Origin live = track(new Origin());
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backend("dead", deadPort)));
        PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
                .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/metrics")).jvmMetrics(false).build();
        EdgeProxy proxy = track(metrics.applyTo(EdgeProxy.builder()).listenAddress("127.0.0.1:0")
                .backendRepository(repo).build().start());
        assertThat(exchange(proxy, freshClient())).isIn(-1L, 0L);
        PrometheusText text = scrapeUntil(metrics, t -> counter(t, "edgeproxy_connections_active", Map.of()) == 0
                && counter(t, "edgeproxy_backend_errors_total", Map.of("backend", "dead")) >= 1);
        assertThat(counter(text, "edgeproxy_backend_errors_total", Map.of("backend", "dead"))).isGreaterThanOrEqualTo(1);
        assertThat(counter(text, "edgeproxy_backend_connections_total", Map.of("backend", "dead"))).isZero();
        double refused = text.require("edgeproxy_connections_rejected_total").samples().stream()
                .mapToDouble(PrometheusText.Sample::value).sum();
        assertThat(refused).isEqualTo(1);
        live.close();
    }

    @Test
    void theFullExpositionOfAProxyWithEveryComponentPassesPromtool(@TempDir Path dir) throws Exception {
        Origin sa = track(new Origin());
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backend("sa-1", sa.port())));
        PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
                .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/metrics")).build();
        EdgeProxy proxy = track(metrics.applyTo(EdgeProxy.builder()).listenAddress("127.0.0.1:0")
                .backendRepository(repo)
                .rateLimit(RateLimitConfig.ofDefaults())
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .healthCheck(HealthCheckConfig.ofDefaults())
                .pool(PoolConfig.ofDefaults())
                .build().start());
        assertThat(exchange(proxy, freshClient())).isEqualTo(RESPONSE);
        PrometheusText text = scrapeUntil(metrics, t -> counter(t, "edgeproxy_connections_active", Map.of()) == 0);
        assertThat(text.require("edgeproxy_pool_connections").type()).isEqualTo("gauge");
        assertThat(text.require("edgeproxy_pool_connections").find("edgeproxy_pool_connections",
                Map.of("backend", "sa-1", "state", "idle"))).hasSize(1);
        assertThat(text.require("edgeproxy_pool_warm_taken_total").type()).isEqualTo("counter");

        assumeTrue(Files.isExecutable(MetricsEndpointTest.PROMTOOL), "promtool not installed (apt-get install prometheus)");
        var r = MetricsEndpointTest.get(http, metrics.endpointAddress(), "/metrics");
        assertThat(MetricsEndpointTest.promtoolCheck(r.body(), dir)).isEmpty();
    }

    @Test
    void anAppliedAndARejectedReloadAreCountedByResult(@TempDir Path dir) throws Exception {
        Origin sa = track(new Origin());
        Path file = dir.resolve("edgeproxy.toml");
        String table = "[[backends]]\nid = \"sa-1\"\napp = \"test\"\nregion = \"sa\"\ncountry = \"BR\"\n"
                + "wg_ip = \"127.0.0.1\"\nport = ";
        Files.writeString(file, table + sa.port() + "\n");
        ConfigFile loaded = ConfigFile.load(file);
        PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
                .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/metrics")).jvmMetrics(false).build();
        EdgeProxy proxy = track(metrics.applyTo(EdgeProxy.builder()).listenAddress("127.0.0.1:0")
                .backends(loaded.backends()).build().start());
        ConfigReloads reloads = new ConfigReloads(proxy, file, ResilienceSettings.none(), loaded);
        metrics.countReloads(reloads::succeeded, reloads::failed);

        Files.writeString(file, table + sa.port() + "\nweight = 2\n");
        assertThat(reloads.reload()).isTrue();
        Files.writeString(file, table + "70000\n");   // invalid: rejected, the running configuration stays
        assertThat(reloads.reload()).isFalse();

        PrometheusText text = scrape(metrics);
        var family = text.require("edgeproxy_config_reloads_total");
        assertThat(family.type()).isEqualTo("counter");
        assertThat(family.value("edgeproxy_config_reloads_total", Map.of("result", "ok"))).isEqualTo(1);
        assertThat(family.value("edgeproxy_config_reloads_total", Map.of("result", "failed"))).isEqualTo(1);
        assertThat(exchange(proxy, freshClient())).isEqualTo(RESPONSE);   // still serving on the applied config
    }

    @Test
    void aDrainingProxyShowsDrainingAndTheConnectionsItWaitsFor() throws Exception {
        Origin sa = track(new Origin());
        PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
                .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/metrics")).jvmMetrics(false).build();
        EdgeProxy proxy = track(metrics.applyTo(EdgeProxy.builder()).listenAddress("127.0.0.1:0")
                .backends(List.of(backend("sa-1", sa.port()))).build().start());
        InetSocketAddress proxyAddress = proxy.localAddress();
        PrometheusText before = scrape(metrics);
        assertThat(counter(before, "edgeproxy_draining", Map.of())).isZero();

        ExecutorService shutdown = Executors.newSingleThreadExecutor();
        try (Socket held = new Socket()) {
            // the origin answers only after the client's FIN: the connection stays open until the test closes it
            held.connect(proxyAddress, 5_000);
            held.getOutputStream().write(new byte[REQUEST]);
            scrapeUntil(metrics, t -> counter(t, "edgeproxy_connections_active", Map.of()) == 1
                    && counter(t, "edgeproxy_backend_connections_active", Map.of("backend", "sa-1")) == 1);

            var report = shutdown.submit(() -> proxy.shutdown(Duration.ofSeconds(30)));
            PrometheusText draining = scrapeUntil(metrics, t -> counter(t, "edgeproxy_draining", Map.of()) == 1);
            assertThat(counter(draining, "edgeproxy_draining", Map.of())).isEqualTo(1);
            assertThat(counter(draining, "edgeproxy_connections_active", Map.of())).isEqualTo(1);
            assertThat(counter(draining, "edgeproxy_backend_connections_active", Map.of("backend", "sa-1"))).isEqualTo(1);

            // a new client is refused by the kernel (the listener is closed): no proxy event, no per-client count
            try (Socket late = new Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> late.connect(proxyAddress, 5_000))
                        .isInstanceOf(java.net.ConnectException.class);
            }
            assertThat(scrape(metrics).require("edgeproxy_connections_rejected_total")
                    .find("edgeproxy_connections_rejected_total", Map.of("reason", "draining"))).isEmpty();
            assertThat(report.isDone()).isFalse();

            held.shutdownOutput();   // the client finishes: the drain ends
            assertThat(held.getInputStream().readAllBytes()).hasSize(RESPONSE);
            assertThat(report.get(20, TimeUnit.SECONDS).forced()).isZero();
        } finally {
            shutdown.shutdownNow();
        }
        // the endpoint stopped with the proxy; the registry still answers in process
        assertThat(Arrays.asList(metrics.endpointAddress())).containsOnlyNulls();
        PrometheusText after = PrometheusText.parse(metrics.scrape());
        assertThat(counter(after, "edgeproxy_draining", Map.of())).isZero();
        assertThat(counter(after, "edgeproxy_connections_active", Map.of())).isZero();
        assertThat(counter(after, "edgeproxy_backend_connections_active", Map.of("backend", "sa-1"))).isZero();
    }

    @Test
    void theEndpointStopsWithTheProxy() throws Exception {
        Origin sa = track(new Origin());
        PrometheusMetricsStore metrics = PrometheusMetricsStore.builder()
                .endpoint(PrometheusMetricsConfig.enabled("127.0.0.1:0", "/metrics")).jvmMetrics(false).build();
        EdgeProxy proxy = metrics.applyTo(EdgeProxy.builder()).listenAddress("127.0.0.1:0")
                .backends(List.of(backend("sa-1", sa.port()))).build().start();
        InetSocketAddress at = metrics.endpointAddress();
        assertThat(MetricsEndpointTest.get(http, at, "/metrics").statusCode()).isEqualTo(200);
        proxy.close();
        assertThat(Arrays.asList(metrics.endpointAddress())).containsOnlyNulls();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MetricsEndpointTest.get(http, at, "/metrics"))
                .isInstanceOf(java.net.ConnectException.class);
    }
}
