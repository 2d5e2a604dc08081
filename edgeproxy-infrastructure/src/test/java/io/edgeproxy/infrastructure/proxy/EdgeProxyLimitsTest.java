package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.circuit.CircuitBreakerConfig;
import io.edgeproxy.infrastructure.circuit.CircuitState;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection cap and the backend response timeout, through a running proxy. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeProxyLimitsTest {

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

    @Test
    void atTheCapNewClientsWaitInTheBacklogAndAreServedOnceBelowIt() throws Exception {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(EdgeProxyRelayTest.backend("b1", backend.port())))
                .config(ProxyConfig.builder().eventLoops(1).maxConnections(2).build()).build().start());

        Socket first = track(open(proxy));
        Socket second = track(open(proxy));
        assertThat(echo(first, "1")).isEqualTo("1");
        assertThat(echo(second, "2")).isEqualTo("2");

        // The third connects in the kernel's backlog but is not accepted while two are open.
        Socket third = track(open(proxy));
        third.setSoTimeout(300);
        third.getOutputStream().write('3');
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> third.getInputStream().read())
                .isInstanceOf(SocketTimeoutException.class);
        assertThat(proxy.activeConnections()).isEqualTo(2);
        assertThat(backend.accepted.get()).isEqualTo(2);

        first.close();
        third.setSoTimeout(10_000);
        assertThat(third.getInputStream().read()).isEqualTo('3');
        Eventually.await(WAIT, "two open again", () -> proxy.activeConnections() == 2, proxy::activeConnections);
    }

    @Test
    void aBackendThatAcceptsButNeverAnswersIsCutFailedAndUnbound() throws Exception {
        TcpServer silent = track(new TcpServer(s -> {
            s.getInputStream().readAllBytes(); // reads, never answers
        }));
        InMemoryBindingRepository bindings = new InMemoryBindingRepository();
        Recorder events = new Recorder();
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(EdgeProxyRelayTest.backend("silent", silent.port())))
                .bindingRepository(bindings)
                .circuitBreaker(CircuitBreakerConfig.builder().failureThreshold(2).build())
                .connectionListener(events)
                .config(ProxyConfig.builder().backendResponseTimeout(Duration.ofMillis(300)).build()).build().start());

        for (int i = 0; i < 2; i++) {
            try (Socket s = open(proxy)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write("GET /\r\n".getBytes(StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                assertThat(readOrReset(s)).isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            }
        }
        Eventually.await(WAIT, "two closed", () -> events.closed.size() == 2, () -> events.closed);
        assertThat(events.closed).containsOnly("backend_error");
        assertThat(events.failed).containsExactly("silent", "silent");
        assertThat(bindings.find(new ClientKey("127.0.0.1"))).isEmpty();
        assertThat(proxy.circuitBreakers().forBackend("silent").state()).isEqualTo(CircuitState.OPEN);
    }

    @Test
    void withoutTheResponseTimeoutASilentBackendIsLeftAlone() throws Exception {
        TcpServer silent = track(new TcpServer(s -> s.getInputStream().readAllBytes()));
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("127.0.0.1:0")
                .backends(List.of(EdgeProxyRelayTest.backend("silent", silent.port()))).build().start());
        try (Socket s = open(proxy)) {
            s.setSoTimeout(600);
            s.getOutputStream().write('x');
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.getInputStream().read())
                    .isInstanceOf(SocketTimeoutException.class);
        }
    }

    @Test
    void aBackendThatAcceptsAndClosesWithoutAByteDoesNotPassAHalfOpenTrial() throws Exception {
        int closed;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = probe.getLocalPort();
        }
        io.edgeproxy.infrastructure.memory.InMemoryBackendRepository repo = new io.edgeproxy.infrastructure.memory.InMemoryBackendRepository(
                List.of(EdgeProxyRelayTest.backend("flaky", closed)));
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("127.0.0.1:0").backendRepository(repo)
                .circuitBreaker(CircuitBreakerConfig.builder().failureThreshold(1).successThreshold(1)
                        .timeout(Duration.ofMillis(200)).build())
                .build().start());
        try (Socket s = open(proxy)) {
            s.setSoTimeout(10_000);
            assertThat(readOrReset(s)).isEqualTo(-1); // refused: the circuit opens
        }
        assertThat(proxy.circuitBreakers().forBackend("flaky").state()).isEqualTo(CircuitState.OPEN);

        // The backend comes back as something that accepts and hangs up at once, without a byte.
        TcpServer hangsUp = track(new TcpServer(sock -> { }));
        repo.upsert(EdgeProxyRelayTest.backend("flaky", hangsUp.port()));
        Eventually.await(WAIT, "half-open", () -> proxy.circuitBreakers().forBackend("flaky").state() == CircuitState.HALF_OPEN);
        try (Socket s = open(proxy)) {
            s.setSoTimeout(10_000);
            assertThat(readOrReset(s)).isEqualTo(-1);
        }
        Eventually.await(WAIT, "the trial ended", () -> proxy.activeConnections() == 0, proxy::activeConnections);
        assertThat(hangsUp.accepted.get()).isEqualTo(1);
        assertThat(proxy.circuitBreakers().forBackend("flaky").state()).isNotEqualTo(CircuitState.CLOSED);
    }

    private static int readOrReset(Socket s) throws IOException {
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException reset) {
            return -1;
        }
    }

    private static Socket open(EdgeProxy proxy) throws IOException {
        Socket s = new Socket();
        s.connect(proxy.localAddress(), 5_000);
        return s;
    }

    private static String echo(Socket s, String text) throws IOException {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        return new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
    }

    static final class Recorder implements ConnectionListener {
        final List<String> closed = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onBackendFailed(ProxiedConnection c, io.edgeproxy.domain.Backend b, Exception cause) {
            failed.add(b.id());
        }

        @Override
        public void onClosed(ProxiedConnection c, CloseReason reason) {
            closed.add(reason.label());
        }
    }
}
