package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.ProxyExtension;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.health.HealthCheckConfig;
import io.edgeproxy.infrastructure.pool.PoolConfig;
import io.edgeproxy.infrastructure.ratelimit.RateLimitConfig;
import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The engine's public seams through a running proxy: connection events, admissions, extensions, threads. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineSeamsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> resources = new ArrayList<>();

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

    private TcpServer echoServer() {
        return track(new TcpServer(Streams::echo));
    }

    private static EdgeProxy.Builder proxyTo(int port) {
        return EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(EdgeProxyRelayTest.backend("b1", port)))
                .config(ProxyConfig.builder().eventLoops(2).build());
    }

    /**
     * Sends {@code text}, half-closes, and reads everything the proxy sends back; a connection the
     * proxy turned away (closed, or reset because our bytes were still unread) gives "".
     */
    private static String exchange(EdgeProxy proxy, String text) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(proxy.localAddress(), 5_000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (java.net.SocketException reset) {
            return "";
        }
    }

    /** Writes every event as one line. */
    static final class Recorder implements ConnectionListener {
        final List<String> events = new CopyOnWriteArrayList<>();

        @Override
        public void onOpened(ProxiedConnection c) {
            events.add("opened " + c.client().getAddress().getHostAddress());
        }

        @Override
        public void onRejected(InetSocketAddress client, ProxiedConnection c, RejectReason reason) {
            events.add("rejected " + reason.label() + (c == null ? " at accept" : ""));
        }

        @Override
        public void onRouted(ProxiedConnection c, Backend backend) {
            events.add("routed " + backend.id());
        }

        @Override
        public void onConnected(ProxiedConnection c, Backend backend, long connectNanos) {
            events.add("connected " + backend.id() + (connectNanos > 0 ? " measured" : " warm"));
        }

        @Override
        public void onBackendFailed(ProxiedConnection c, Backend backend, Exception cause) {
            events.add("failed " + backend.id());
        }

        @Override
        public void onBytes(ProxiedConnection c, Backend backend, long up, long down) {
            events.add("bytes " + backend.id() + " up " + up + " down " + down);
        }

        @Override
        public void onClosed(ProxiedConnection c, CloseReason reason) {
            events.add("closed " + reason.label() + " backend " + (c.backend() == null ? "-" : c.backend().id())
                    + " up " + c.bytesUp() + " down " + c.bytesDown() + " attempts " + c.attempts());
        }
    }

    @Test
    void listenersHearEveryEventOfAConnectionInOrder() throws Exception {
        TcpServer backend = echoServer();
        Recorder recorder = new Recorder();
        EdgeProxy proxy = track(proxyTo(backend.port()).connectionListener(recorder).build().start());

        assertThat(exchange(proxy, "hello")).isEqualTo("hello");

        Eventually.await(WAIT, "closed", () -> recorder.events.stream().anyMatch(e -> e.startsWith("closed")),
                () -> recorder.events);
        assertThat(recorder.events).containsExactly(
                "opened 127.0.0.1",
                "routed b1",
                "connected b1 measured",
                "bytes b1 up 5 down 5",
                "closed completed backend b1 up 5 down 5 attempts 1");
    }

    @Test
    void aClientNoBackendServesIsRejectedThenClosed() throws Exception {
        Recorder recorder = new Recorder();
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("127.0.0.1:0").backends(List.of())
                .connectionListener(recorder).build().start());

        assertThat(exchange(proxy, "hello")).isEmpty();

        Eventually.await(WAIT, "closed", () -> recorder.events.size() == 3, () -> recorder.events);
        assertThat(recorder.events).containsExactly("opened 127.0.0.1", "rejected no_backend",
                "closed rejected backend - up 0 down 0 attempts 0");
    }

    @Test
    void anAdmissionTurnsClientsAwayAtAcceptWithItsReason() throws Exception {
        TcpServer backend = echoServer();
        Recorder recorder = new Recorder();
        EdgeProxy proxy = track(proxyTo(backend.port())
                .admission(new ClientAdmission() {
                    @Override
                    public boolean admit(java.net.InetAddress client) {
                        return false;
                    }

                    @Override
                    public RejectReason rejectReason() {
                        return RejectReason.MAX_CONNECTIONS;
                    }
                })
                .connectionListener(recorder).build().start());

        assertThat(exchange(proxy, "hello")).isEmpty();

        Eventually.await(WAIT, "rejected", () -> !recorder.events.isEmpty(), () -> recorder.events);
        assertThat(recorder.events).containsExactly("rejected max_connections at accept");
        assertThat(backend.accepted.get()).isZero();
    }

    @Test
    void aThrowingListenerIsCountedAndBreaksNothing() throws Exception {
        TcpServer backend = echoServer();
        Recorder after = new Recorder();
        ConnectionListener broken = new ConnectionListener() {
            @Override
            public void onOpened(ProxiedConnection c) {
                throw new IllegalStateException("listener bug");
            }

            @Override
            public void onBytes(ProxiedConnection c, Backend b, long up, long down) {
                throw new IllegalStateException("listener bug");
            }
        };
        EdgeProxy proxy = track(proxyTo(backend.port()).connectionListener(broken).connectionListener(after)
                .build().start());

        for (int i = 0; i < 3; i++) {
            assertThat(exchange(proxy, "ping" + i)).isEqualTo("ping" + i);
        }

        Eventually.await(WAIT, "three closed", () -> after.events.stream().filter(e -> e.startsWith("closed")).count() == 3,
                () -> after.events);
        assertThat(proxy.listenerFailures()).isEqualTo(6);
        assertThat(after.events).filteredOn(e -> e.startsWith("opened")).hasSize(3);
    }

    @Test
    void extensionsStartOnceListeningAndCloseWithTheProxy() throws Exception {
        TcpServer backend = echoServer();
        AtomicReference<String> log = new AtomicReference<>("");
        ProxyExtension extension = new ProxyExtension() {
            @Override
            public void start(EdgeProxy proxy) {
                log.set(log.get() + "start:" + (proxy.localAddress().getPort() > 0) + ";");
            }

            @Override
            public void close() {
                log.set(log.get() + "close;");
            }
        };
        EdgeProxy proxy = proxyTo(backend.port()).extension(extension).build().start();
        assertThat(log.get()).isEqualTo("start:true;");
        proxy.close();
        assertThat(log.get()).isEqualTo("start:true;close;");
    }

    @Test
    void everyComponentRunsOnTheProxysEventLoopsAndNoOtherThread() throws Exception {
        TcpServer backend = echoServer();
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        EdgeProxy proxy = track(proxyTo(backend.port())
                .rateLimit(RateLimitConfig.ofDefaults())
                .circuitBreaker(CircuitBreakerConfig.ofDefaults())
                .healthCheck(HealthCheckConfig.builder().interval(Duration.ofMillis(100)).build())
                .pool(PoolConfig.builder().warmConnectionsPerBackend(2).build())
                .build().start());

        Eventually.await(WAIT, "probed and warmed", () -> proxy.healthMonitor().statuses().size() == 1
                && proxy.healthMonitor().statuses().get("b1").probes() >= 2
                && proxy.connectionPool().stats().idle() >= 1, () -> proxy.connectionPool().stats());
        assertThat(exchange(proxy, "hello")).isEqualTo("hello");

        // Started by this proxy: its two loops, nothing for probes, warm spares or housekeeping.
        assertThat(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !before.contains(t) && t.getName().startsWith("edgeproxy")).map(Thread::getName))
                .containsExactlyInAnyOrder("edgeproxy-loop-0", "edgeproxy-loop-1");
    }
}
