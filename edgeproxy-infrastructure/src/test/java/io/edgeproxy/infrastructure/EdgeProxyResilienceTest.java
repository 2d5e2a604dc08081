package io.edgeproxy.infrastructure;

import com.sun.net.httpserver.HttpServer;
import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.circuit.CircuitState;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.health.HealthCheckType;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.memory.InMemoryMetricsStore;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The resilience components acting on real connections through a running proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeProxyResilienceTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final InMemoryMetricsStore metrics = new InMemoryMetricsStore();
    private final AtomicInteger nextClient = new AtomicInteger(10);

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

    private static Backend backend(String id, int port) {
        return Backend.builder(id).app("test").region("sa").country("BR").address("127.0.0.1").port(port).build();
    }

    private EdgeProxy.Builder proxy(InMemoryBackendRepository repo) {
        return EdgeProxy.builder().listenAddress("127.0.0.1:0").backendRepository(repo).metrics(metrics);
    }

    /** A fresh loopback source address per call (127.0.0.10, .11, ...), so no client binding carries over. */
    private InetAddress freshClient() throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) nextClient.getAndIncrement()});
    }

    /** Sends an HTTP/1.0 GET from {@code from} and returns the body, or null when the proxy closed the connection. */
    private static String get(EdgeProxy proxy, InetAddress from) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(proxy.localAddress(), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response;
            try {
                response = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            } catch (SocketException reset) {
                return null;
            }
            int body = response.indexOf("\r\n\r\n");
            return body < 0 ? null : response.substring(body + 4);
        } finally {
            // The proxy ends the pair once our close reaches it; the next request must not see it active.
            Eventually.await(Duration.ofSeconds(5), "the pair ended", () -> proxy.activeConnections() == 0);
        }
    }

    /** An HTTP backend answering its name on "/" and {@code health} on "/health". */
    private HttpServer httpBackend(String name, AtomicInteger health) throws IOException {
        return httpBackend(name, health, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    private HttpServer httpBackend(String name, AtomicInteger health, InetSocketAddress at) throws IOException {
        HttpServer server = HttpServer.create(at, 64);
        server.createContext("/", exchange -> {
            byte[] body = name.getBytes(StandardCharsets.US_ASCII);
            int status = exchange.getRequestURI().getPath().equals("/health") ? health.get() : 200;
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        ExecutorService threads = Executors.newFixedThreadPool(4);
        server.setExecutor(threads);
        server.start();
        track(() -> {
            server.stop(0);
            threads.shutdownNow();
        });
        return server;
    }

    private static void await(BooleanSupplier condition, String what) {
        Eventually.await(Duration.ofSeconds(20), what, condition);
    }

    @Test
    void clientOverItsLimitIsRefusedWhileAnotherClientPasses() throws Exception {
        HttpServer b = httpBackend("b1", new AtomicInteger(200));
        EdgeProxy proxy = track(proxy(new InMemoryBackendRepository(List.of(backend("b1", b.getAddress().getPort()))))
                .rateLimit(RateLimitConfig.builder().burstSize(2).maxRequests(1).window(Duration.ofHours(1)).build())
                .build().start());
        InetAddress greedy = freshClient();
        InetAddress other = freshClient();

        assertThat(get(proxy, greedy)).isEqualTo("b1");
        assertThat(get(proxy, greedy)).isEqualTo("b1");
        assertThat(get(proxy, greedy)).isNull();
        assertThat(get(proxy, other)).isEqualTo("b1");

        assertThat(metrics.rejected("rate_limited")).isEqualTo(1);
        // Refused before any backend work: the backend saw three connections, not four.
        assertThat(metrics.backend("b1").connections()).isEqualTo(3);
    }

    @Test
    void refusingBackendOpensItsCircuitThenComesBackThroughHalfOpen() throws Exception {
        int aPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            aPort = probe.getLocalPort(); // closed again: "a" refuses connections
        }
        HttpServer b = httpBackend("b", new AtomicInteger(200));
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                backend("a", aPort), backend("b", b.getAddress().getPort())));
        EdgeProxy proxy = track(proxy(repo)
                .circuitBreaker(CircuitBreakerConfig.builder().failureThreshold(2).successThreshold(1)
                        .timeout(Duration.ofMillis(300)).build())
                .build().start());

        // "a" is preferred (equal score, smaller id) but refuses: each client fails over to "b".
        assertThat(get(proxy, freshClient())).isEqualTo("b");
        assertThat(get(proxy, freshClient())).isEqualTo("b");
        assertThat(proxy.circuitBreakers().forBackend("a").state()).isEqualTo(CircuitState.OPEN);
        long errorsWhenOpened = metrics.backend("a").errors();

        // Open: "a" is not even tried.
        assertThat(get(proxy, freshClient())).isEqualTo("b");
        assertThat(metrics.backend("a").errors()).isEqualTo(errorsWhenOpened);

        // "a" recovers; after the open timeout a real client connection is the half-open trial.
        httpBackend("a", new AtomicInteger(200), new InetSocketAddress(InetAddress.getLoopbackAddress(), aPort));
        await(() -> proxy.circuitBreakers().forBackend("a").isCallPermitted(), "the half-open state");
        assertThat(get(proxy, freshClient())).isEqualTo("a");
        assertThat(proxy.circuitBreakers().forBackend("a").state()).isEqualTo(CircuitState.CLOSED);
        assertThat(get(proxy, freshClient())).isEqualTo("a");
    }

    @Test
    void httpHealthCheckTakesABackendOutOn500AndBackOn200() throws Exception {
        AtomicInteger aHealth = new AtomicInteger(200);
        HttpServer a = httpBackend("a", aHealth);
        HttpServer b = httpBackend("b", new AtomicInteger(200));
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                backend("a", a.getAddress().getPort()), backend("b", b.getAddress().getPort())));
        EdgeProxy proxy = track(proxy(repo)
                .healthCheck(HealthCheckConfig.builder().checkType(HealthCheckType.http("/health", 200))
                        .interval(Duration.ofMillis(100)).timeout(Duration.ofMillis(500))
                        .unhealthyThreshold(2).healthyThreshold(2).build())
                .build().start());
        var health = proxy.healthMonitor();
        await(() -> health.status("a").isPresent(), "the first probe of a");

        assertThat(get(proxy, freshClient())).isEqualTo("a");

        aHealth.set(500);
        await(() -> !health.isHealthy("a"), "a to be marked down");
        assertThat(get(proxy, freshClient())).isEqualTo("b");
        assertThat(get(proxy, freshClient())).isEqualTo("b");

        aHealth.set(200);
        await(() -> health.isHealthy("a"), "a to be marked up");
        assertThat(get(proxy, freshClient())).isEqualTo("a");
    }

    @Test
    void withThePoolOnAClientIsServedOverAnAlreadyConnectedBackendSocket() throws Exception {
        // The backend numbers its connections as it accepts them and tells each client its number.
        AtomicInteger accepted = new AtomicInteger();
        ServerSocket server = track(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        ExecutorService threads = Executors.newCachedThreadPool();
        track(threads::shutdownNow);
        threads.execute(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    int n = accepted.incrementAndGet();
                    threads.execute(() -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            if (in.read() >= 0) {
                                s.getOutputStream().write(("conn-" + n + "\n").getBytes(StandardCharsets.US_ASCII));
                            }
                        } catch (IOException ignored) {
                            // the test reads what it needs
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        EdgeProxy proxy = track(proxy(new InMemoryBackendRepository(List.of(backend("b1", server.getLocalPort()))))
                .pool(PoolConfig.builder().warmConnectionsPerBackend(2).build())
                .build().start());
        await(() -> proxy.connectionPool().stats("b1").idle() == 2, "two warm spares in the pool");

        try (Socket client = new Socket()) {
            client.connect(proxy.localAddress(), 5_000);
            client.setSoTimeout(10_000);
            client.getOutputStream().write('x');
            String line = new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            // Served by a connection the backend accepted before this client existed.
            assertThat(line).isIn("conn-1", "conn-2");
        }
        // No connect was measured for it: the round trip was skipped.
        assertThat(metrics.backend("b1").connectRttCount()).isZero();
        assertThat(metrics.backend("b1").connections()).isEqualTo(1);
        // The spare that was used is replaced in the background.
        await(() -> accepted.get() == 3, "a replacement spare");
    }

    @Test
    void aClientThatResetsIsNeverCountedAgainstTheBackend() throws Exception {
        // The backend waits for a request that never comes; the client aborts with a reset.
        ServerSocket server = track(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (IOException ignored) {
                // closed by the test
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        track(() -> accepted.forEach(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // best effort
            }
        }));
        EdgeProxy proxy = track(proxy(new InMemoryBackendRepository(List.of(backend("b1", server.getLocalPort()))))
                .circuitBreaker(CircuitBreakerConfig.builder().failureThreshold(2).build())
                .build().start());

        for (int i = 0; i < 5; i++) {
            Socket s = new Socket();
            s.connect(proxy.localAddress(), 5_000);
            int n = i + 1;
            await(() -> accepted.size() >= n, "the backend connection");
            s.setSoLinger(true, 0);
            s.close(); // RST
        }
        await(() -> proxy.activeConnections() == 0, "the pairs to close");

        assertThat(metrics.backend("b1").errors()).isZero();
        assertThat(proxy.circuitBreakers().forBackend("b1").state()).isEqualTo(CircuitState.CLOSED);
        assertThat(proxy.circuitBreakers().forBackend("b1").consecutiveFailures()).isZero();
    }

    @Test
    void aBackendThatAcceptsAndResetsBeforeItsFirstByteTripsTheBreaker() throws Exception {
        ServerSocket server = track(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        Thread resetter = new Thread(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    s.setSoLinger(true, 0);
                    s.close(); // RST before any byte
                }
            } catch (IOException ignored) {
                // closed by the test
            }
        });
        resetter.setDaemon(true);
        resetter.start();
        EdgeProxy proxy = track(proxy(new InMemoryBackendRepository(List.of(backend("b1", server.getLocalPort()))))
                .circuitBreaker(CircuitBreakerConfig.builder().failureThreshold(3).build())
                .build().start());

        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket()) {
                s.connect(proxy.localAddress(), 5_000);
                s.setSoTimeout(5_000);
                s.getOutputStream().write('x');
                try {
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                } catch (SocketException reset) {
                    // also fine: the client sees the end of its connection either way
                }
            }
            await(() -> proxy.activeConnections() == 0, "the pair to close");
        }

        assertThat(metrics.backend("b1").errors()).isEqualTo(3);
        assertThat(proxy.circuitBreakers().forBackend("b1").state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void aTrialTimeoutNoLongerThanAProxyTrialIsRefusedAtBuild() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> proxy(new InMemoryBackendRepository())
                        .circuitBreaker(CircuitBreakerConfig.builder().trialTimeout(Duration.ofSeconds(5)).build())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("circuit breaker trialTimeout (PT5S) must be longer than the connect timeout (PT5S)");
    }
}
