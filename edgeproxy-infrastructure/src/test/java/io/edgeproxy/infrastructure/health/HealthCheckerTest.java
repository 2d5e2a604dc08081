package io.edgeproxy.infrastructure.health;

import com.sun.net.httpserver.HttpServer;
import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import io.edgeproxy.infrastructure.loop.EventLoops;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

class HealthCheckerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    static HealthCheckConfig fast(HealthCheckType type) {
        return HealthCheckConfig.builder().checkType(type).interval(Duration.ofMillis(50))
                .timeout(Duration.ofMillis(300)).healthyThreshold(2).unhealthyThreshold(3).build();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    private HealthChecker started(HealthChecker checker) {
        cleanup.add(0, checker);
        return checker.start();
    }

    /** An HTTP server answering {@code status} on every path, recording each request's Host header. */
    private final class TestHttpServer {
        final AtomicInteger status = new AtomicInteger(200);
        final List<String> hosts = new CopyOnWriteArrayList<>();
        final List<String> connections = new CopyOnWriteArrayList<>();
        final List<String> paths = new CopyOnWriteArrayList<>();
        final HttpServer server;

        TestHttpServer(InetAddress bind) throws IOException {
            server = HttpServer.create(new InetSocketAddress(bind, 0), 50);
            server.createContext("/", exchange -> {
                hosts.add(exchange.getRequestHeaders().getFirst("Host"));
                connections.add(String.valueOf(exchange.getRequestHeaders().getFirst("Connection")));
                paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
                byte[] body = ("status " + status.get()).getBytes();
                exchange.sendResponseHeaders(status.get(), body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            cleanup.add(() -> server.stop(0));
        }

        InetSocketAddress address() {
            return server.getAddress();
        }
    }

    @Test
    void httpCheckFollowsTheStatusTheServerAnswers() throws Exception {
        TestHttpServer server = new TestHttpServer(InetAddress.getLoopbackAddress());
        List<String> changes = new CopyOnWriteArrayList<>();
        HealthChecker checker = started(new HealthChecker("sa-1", server.address(), fast(HealthCheckType.http()))
                .onChange((id, s) -> changes.add(id + (s.healthy() ? " UP" : " DOWN"))));

        Eventually.await(WAIT, "two passing probes", () -> checker.status().consecutiveSuccesses() >= 2, checker::status);
        assertThat(checker.isHealthy()).isTrue();
        assertThat(checker.status().lastLatency()).isPresent();

        server.status.set(500);
        Eventually.await(WAIT, "marked down", () -> !checker.isHealthy(), checker::status);
        assertThat(checker.status().consecutiveFailures()).isGreaterThanOrEqualTo(3);
        assertThat(checker.status().lastError()).contains("HTTP 500, expected 200");

        server.status.set(200);
        Eventually.await(WAIT, "marked up again", checker::isHealthy, checker::status);
        assertThat(checker.status().consecutiveSuccesses()).isGreaterThanOrEqualTo(2);
        // Listeners run after the new status is published: wait for the second announcement itself.
        Eventually.await(WAIT, "both changes announced", () -> changes.size() >= 2, checker::status);
        assertThat(changes).containsExactly("sa-1 DOWN", "sa-1 UP");
        assertThat(server.paths).allMatch(p -> p.equals("GET /health"));
        assertThat(server.connections).allMatch(c -> c.equalsIgnoreCase("close"));
        assertThat(server.hosts).allMatch(h -> h.equals("127.0.0.1:" + server.address().getPort()));
    }

    @Test
    void httpCheckWithAnotherPathAndExpectedStatus() throws Exception {
        TestHttpServer server = new TestHttpServer(InetAddress.getLoopbackAddress());
        server.status.set(204);
        HealthChecker checker = started(new HealthChecker("sa-1", server.address(),
                fast(HealthCheckType.http("/ready?full=1", 204))));
        Eventually.await(WAIT, "two passing probes", () -> checker.status().consecutiveSuccesses() >= 2, checker::status);
        assertThat(server.paths).contains("GET /ready?full=1");
    }

    @Test
    void httpHostHeaderOfAnIpv6BackendIsInBrackets() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        TestHttpServer server;
        try {
            server = new TestHttpServer(v6);
        } catch (IOException e) {
            assumeThat(e).as("IPv6 loopback available").isNull();
            return;
        }
        HealthChecker checker = started(new HealthChecker("v6", server.address(), fast(HealthCheckType.http())));
        Eventually.await(WAIT, "a passing probe", () -> checker.status().consecutiveSuccesses() >= 1, checker::status);
        assertThat(server.hosts.get(0)).isEqualTo("[0:0:0:0:0:0:0:1]:" + server.address().getPort());
    }

    @Test
    void tcpCheckAgainstAClosedPortFails() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HealthChecker checker = started(new HealthChecker("gone", new InetSocketAddress("127.0.0.1", port),
                fast(HealthCheckType.tcp())));
        assertThat(checker.isHealthy()).as("starts healthy").isTrue();
        Eventually.await(WAIT, "marked down", () -> !checker.isHealthy(), checker::status);
        assertThat(checker.status().lastError().orElseThrow()).containsIgnoringCase("refused");
    }

    @Test
    void tcpCheckAgainstAListeningPortPasses() throws Exception {
        ServerSocket listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cleanup.add(listening);
        HealthChecker checker = started(new HealthChecker("up", new InetSocketAddress("127.0.0.1",
                listening.getLocalPort()), fast(HealthCheckType.tcp())));
        Eventually.await(WAIT, "three passing probes", () -> checker.status().consecutiveSuccesses() >= 3,
                checker::status);
        assertThat(checker.isHealthy()).isTrue();
    }

    @Test
    void aServerThatAcceptsAndNeverAnswersTimesOut() throws Exception {
        // the kernel completes the handshake from the backlog; nobody ever reads or writes
        ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cleanup.add(silent);
        HealthCheckConfig config = fast(HealthCheckType.http()).toBuilder().timeout(Duration.ofMillis(100)).build();
        HealthChecker checker = started(new HealthChecker("silent", new InetSocketAddress("127.0.0.1",
                silent.getLocalPort()), config));
        Eventually.await(WAIT, "marked down", () -> !checker.isHealthy(), checker::status);
        assertThat(checker.status().lastError()).contains("timed out after 100 ms");
    }

    @Test
    void aResponseWithoutStatusLineIsReadNoFurtherThanFourKibibytes() throws Exception {
        ServerSocket flood = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cleanup.add(flood);
        AtomicReference<Throwable> serverError = new AtomicReference<>();
        Thread t = new Thread(() -> {
            byte[] junk = new byte[64 * 1024];
            java.util.Arrays.fill(junk, (byte) 'x');
            while (!flood.isClosed()) {
                try (Socket s = flood.accept()) {
                    OutputStream out = s.getOutputStream();
                    for (int i = 0; i < 16; i++) {
                        out.write(junk);      // 1 MiB unless the probe hangs up first
                    }
                } catch (IOException expected) {
                    // the probe closed after 4 KiB, or the test ended
                } catch (RuntimeException e) {
                    serverError.set(e);
                }
            }
        }, "flood-server");
        t.setDaemon(true);
        t.start();
        HealthChecker checker = started(new HealthChecker("flood", new InetSocketAddress("127.0.0.1",
                flood.getLocalPort()), fast(HealthCheckType.http())));
        Eventually.await(WAIT, "marked down", () -> !checker.isHealthy(), checker::status);
        assertThat(checker.status().lastError()).contains("no status line within 4096 bytes");
        assertThat(serverError.get()).isNull();
    }

    @Test
    void garbageInsteadOfHttpFails() throws Exception {
        ServerSocket garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        cleanup.add(garbage);
        Thread t = new Thread(() -> {
            while (!garbage.isClosed()) {
                try (Socket s = garbage.accept()) {
                    s.getOutputStream().write("SSH-2.0-OpenSSH_9.0\r\n".getBytes());
                } catch (IOException expected) {
                    // test ended
                }
            }
        }, "garbage-server");
        t.setDaemon(true);
        t.start();
        HealthChecker checker = started(new HealthChecker("ssh", new InetSocketAddress("127.0.0.1",
                garbage.getLocalPort()), fast(HealthCheckType.http())));
        Eventually.await(WAIT, "marked down", () -> !checker.isHealthy(), checker::status);
        assertThat(checker.status().lastError()).contains("not an HTTP response: \"SSH-2.0-OpenSSH_9.0\"");
    }

    @Test
    void manyCheckersOnSharedEventLoopsStartNoThreadOfTheirOwn() throws Exception {
        ServerSocket listening = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        cleanup.add(listening);
        List<HealthChecker> checkers = new ArrayList<>();
        try (EventLoops loops = EventLoops.start(2, "test-loop")) {
            for (int i = 0; i < 30; i++) {
                checkers.add(new HealthChecker("b" + i, new InetSocketAddress("127.0.0.1", listening.getLocalPort()),
                        fast(HealthCheckType.tcp()), loops.next()).start());
            }
            try {
                Eventually.await(WAIT, "every checker probed",
                        () -> checkers.stream().allMatch(c -> c.status().probes() >= 1));
                assertThat(threadsNamed("test-loop-")).isEqualTo(2);
                assertThat(probeThreads()).isZero();
            } finally {
                checkers.forEach(HealthChecker::stop);
            }
        }
    }

    @Test
    void aCheckerOnItsOwnRunsOneLoopThatEndsWithIt() throws Exception {
        ServerSocket listening = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        cleanup.add(listening);
        HealthChecker checker = new HealthChecker("alone", new InetSocketAddress("127.0.0.1", listening.getLocalPort()),
                fast(HealthCheckType.tcp())).start();
        Eventually.await(WAIT, "probed", () -> checker.status().probes() >= 1);
        assertThat(probeThreads()).isEqualTo(1);
        checker.stop();
        Eventually.await(WAIT, "the checker's loop ended", () -> probeThreads() == 0, HealthCheckerTest::probeThreads);
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive()).count();
    }

    @Test
    void startIsIdempotentAndStartAfterStopIsRefused() throws Exception {
        HealthChecker checker = new HealthChecker("x", new InetSocketAddress("127.0.0.1", 9), fast(HealthCheckType.tcp()));
        checker.start();
        checker.start();
        checker.stop();
        checker.stop();
        org.assertj.core.api.Assertions.assertThatThrownBy(checker::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("health checker x was stopped; create a new one");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HealthChecker("y",
                        InetSocketAddress.createUnresolved("backend.example", 80), HealthCheckConfig.ofDefaults()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be resolved (an IP literal), but was backend.example/<unresolved>:80");
    }

    static long probeThreads() {
        return threadsNamed("edgeproxy-health");
    }
}
