package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.port.LoadBalancer;
import io.edgeproxy.domain.routing.GeoScoreLoadBalancer;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import io.edgeproxy.infrastructure.memory.InMemoryBindingRepository;
import io.edgeproxy.infrastructure.memory.InMemoryMetricsStore;
import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** What a client sees when backends refuse, hang or the load balancer fails. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeProxyFailoverTest {

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final InMemoryMetricsStore metrics = new InMemoryMetricsStore();
    private final InMemoryBindingRepository bindings = new InMemoryBindingRepository();

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

    /** A server that writes its name, then echoes. */
    private TcpServer namedServer(String name) {
        return track(new TcpServer(s -> {
            s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
            Streams.echo(s);
        }));
    }

    private EdgeProxy proxy(InMemoryBackendRepository repo, ProxyConfig config, LoadBalancer lb) {
        return track(EdgeProxy.builder().listenAddress("127.0.0.1:0").backendRepository(repo)
                .bindingRepository(bindings).metrics(metrics).loadBalancer(lb).config(config).build().start());
    }

    private EdgeProxy proxy(InMemoryBackendRepository repo) {
        return proxy(repo, ProxyConfig.ofDefaults(), new GeoScoreLoadBalancer());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Connects and returns the first line the backend sent, or null when the proxy closed the connection. */
    private static String firstLine(EdgeProxy proxy) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(proxy.localAddress(), 5_000);
            s.setSoTimeout(10_000);
            StringBuilder line = new StringBuilder();
            int c;
            try {
                while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
                    line.append((char) c);
                }
            } catch (SocketException reset) {
                return null;
            }
            return c < 0 ? null : line.toString();
        }
    }

    @Test
    void refusedBackendIsSkippedAndTheClientIsServedByTheNext() throws Exception {
        TcpServer live = namedServer("b-live");
        // Equal scores: the smaller id wins, so the dead one is tried first.
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                EdgeProxyRelayTest.backend("a-dead", closedPort()),
                EdgeProxyRelayTest.backend("b-live", live.port())));
        EdgeProxy proxy = proxy(repo);

        assertThat(firstLine(proxy)).isEqualTo("b-live");
        assertThat(metrics.backend("a-dead").errors()).isEqualTo(1);
        assertThat(metrics.backend("b-live").connections()).isEqualTo(1);
        // The client's binding now points at the backend that served it.
        assertThat(bindings.find(new ClientKey("127.0.0.1")).orElseThrow().backendId()).isEqualTo("b-live");
        assertThat(firstLine(proxy)).isEqualTo("b-live");
    }

    /**
     * Connects to loopback backends finish inside the connect call; to any other address they
     * wait for the selector's OP_CONNECT. 0.0.0.0 is not a loopback address, yet the kernel
     * connects it to this host, so both outcomes take the selector path here.
     */
    @Test
    void nonLoopbackBackendsConnectThroughTheSelector() throws Exception {
        TcpServer live = namedServer("b-live");
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                anyAddressBackend("a-dead", closedPort()), anyAddressBackend("b-live", live.port())));
        EdgeProxy proxy = proxy(repo);

        assertThat(firstLine(proxy)).isEqualTo("b-live");
        assertThat(metrics.backend("a-dead").errors()).isEqualTo(1);
        assertThat(bindings.find(new ClientKey("127.0.0.1")).orElseThrow().backendId()).isEqualTo("b-live");
        assertThat(firstLine(proxy)).isEqualTo("b-live");
        assertThat(metrics.backend("b-live").connections()).isEqualTo(2);
    }

    private static Backend anyAddressBackend(String id, int port) {
        return Backend.builder(id).app("test").region("sa").country("BR").address("0.0.0.0").port(port)
                .softLimit(10_000).hardLimit(10_000).build();
    }

    @Test
    void backendThatNeverAcceptsTimesOutAndTheNextOneServes() throws Exception {
        // A listener that never accepts, its tiny queue filled: the kernel drops further SYNs.
        ServerSocket blackHole = track(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        for (int i = 0; i < 4; i++) {
            SocketChannel filler = track(SocketChannel.open());
            filler.configureBlocking(false);
            filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), blackHole.getLocalPort()));
        }
        TcpServer live = namedServer("b-live");
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                EdgeProxyRelayTest.backend("a-hole", blackHole.getLocalPort()),
                EdgeProxyRelayTest.backend("b-live", live.port())));
        EdgeProxy proxy = proxy(repo, ProxyConfig.builder().connectTimeout(Duration.ofMillis(300)).build(),
                new GeoScoreLoadBalancer());

        assertThat(firstLine(proxy)).isEqualTo("b-live");
        assertThat(metrics.backend("a-hole").errors()).isEqualTo(1);
    }

    @Test
    void allBackendsDownClosesTheClientPromptlyAndTheProxyKeepsServing() throws Exception {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                EdgeProxyRelayTest.backend("a", closedPort()),
                EdgeProxyRelayTest.backend("b", closedPort())));
        EdgeProxy proxy = proxy(repo);

        assertThat(firstLine(proxy)).isNull();
        assertThat(metrics.rejected("connect_failed")).isEqualTo(1);
        EdgeProxyRelayTest.awaitNoActiveConnections(proxy);

        TcpServer live = namedServer("c");
        repo.upsert(EdgeProxyRelayTest.backend("c", live.port()));
        assertThat(firstLine(proxy)).isEqualTo("c");
    }

    @Test
    void retriesAreBounded() throws Exception {
        List<Backend> dead = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            dead.add(EdgeProxyRelayTest.backend("dead-" + i, closedPort()));
        }
        TcpServer live = namedServer("z-live");
        dead.add(EdgeProxyRelayTest.backend("z-live", live.port()));
        EdgeProxy proxy = proxy(new InMemoryBackendRepository(dead),
                ProxyConfig.builder().connectRetries(2).build(), new GeoScoreLoadBalancer());

        // Three attempts (first + 2 retries) all hit dead backends; the client is closed.
        assertThat(firstLine(proxy)).isNull();
        assertThat(metrics.totals().errors()).isEqualTo(3);
    }

    @Test
    void noBackendAtAllClosesTheClientAtOnceAndCountsIt() throws Exception {
        EdgeProxy proxy = proxy(new InMemoryBackendRepository());

        assertThat(firstLine(proxy)).isNull();
        assertThat(metrics.rejected("no_backend")).isEqualTo(1);
    }

    @Test
    void aThrowingLoadBalancerFailsOneConnectionAndTheNextIsServed() throws Exception {
        TcpServer live = namedServer("b1");
        AtomicInteger calls = new AtomicInteger();
        GeoScoreLoadBalancer real = new GeoScoreLoadBalancer();
        LoadBalancer flaky = (candidates, context) -> {
            if (calls.getAndIncrement() == 0) {
                throw new IllegalStateException("user load balancer bug");
            }
            return real.choose(candidates, context);
        };
        EdgeProxy proxy = proxy(new InMemoryBackendRepository(List.of(EdgeProxyRelayTest.backend("b1", live.port()))),
                ProxyConfig.ofDefaults(), flaky);

        assertThat(firstLine(proxy)).isNull();
        assertThat(metrics.rejected("routing_error")).isEqualTo(1);
        assertThat(firstLine(proxy)).isEqualTo("b1");
    }

    @Test
    void clientSticksToItsBackendWhileItsBindingLives() throws Exception {
        TcpServer a = namedServer("a");
        TcpServer b = namedServer("b");
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                EdgeProxyRelayTest.backend("a", a.port()), EdgeProxyRelayTest.backend("b", b.port())));
        EdgeProxy proxy = proxy(repo);

        try (Socket first = new Socket()) {
            first.connect(proxy.localAddress());
            first.setSoTimeout(10_000);
            assertThat(readLine(first)).isEqualTo("a");
            // "a" now has one active connection and "b" none, yet the client's binding wins.
            assertThat(firstLine(proxy)).isEqualTo("a");
        }
        // Once "a" leaves the repository, the binding is dropped and a new choice is made.
        repo.remove("a");
        assertThat(firstLine(proxy)).isEqualTo("b");
        assertThat(bindings.find(new ClientKey("127.0.0.1")).orElseThrow().backendId()).isEqualTo("b");
    }

    @Test
    void housekeepingRemovesExpiredBindingsAndCountersOfRemovedBackends() throws Exception {
        TcpServer a = namedServer("a");
        TcpServer b = namedServer("b");
        InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(
                EdgeProxyRelayTest.backend("a", a.port()), EdgeProxyRelayTest.backend("b", b.port())));
        FakeTicker time = new FakeTicker();
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("127.0.0.1:0").backendRepository(repo)
                .bindingRepository(bindings).metrics(metrics).ticker(time)
                .bindingGcInterval(Duration.ofMillis(50))
                .build().start());

        assertThat(firstLine(proxy)).isEqualTo("a");
        assertThat(bindings.size()).isEqualTo(1);
        repo.remove("a");
        // The removed backend's idle counter goes as soon as the repository watcher sees the change.
        Eventually.await(Duration.ofSeconds(10), "counter of the removed backend dropped",
                () -> proxy.routing().load().size() == 0, () -> proxy.routing().load().size());
        // The binding outlives many collections until its TTL has passed on the proxy's clock.
        Thread.sleep(200);
        assertThat(bindings.size()).isEqualTo(1);
        time.advance(RoutingService.DEFAULT_BINDING_TTL.plusSeconds(1));
        Eventually.await(Duration.ofSeconds(10), "expired binding collected", () -> bindings.size() == 0, bindings::size);
    }

    private static String readLine(Socket s) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = s.getInputStream().read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        return line.toString();
    }
}
