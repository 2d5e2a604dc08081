package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.EdgeProxy;
import io.edgeproxy.infrastructure.loop.Transport;
import io.edgeproxy.domain.testing.Eventually;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The relay through a running proxy over real sockets on 127.0.0.1: integrity, half-close, backpressure, scale. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EdgeProxyRelayTest {

    private static final int MiB = 1024 * 1024;

    private final List<AutoCloseable> resources = new ArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) {
            resources.get(i).close();
        }
        threads.shutdownNow();
    }

    /** A backend whose limits stay out of the way of load tests. */
    static Backend backend(String id, int port) {
        return Backend.builder(id).app("test").region("sa").country("BR").address("127.0.0.1").port(port)
                .softLimit(10_000).hardLimit(10_000).build();
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private EdgeProxy proxyTo(int port, ProxyConfig config) {
        return track(EdgeProxy.builder().listenAddress("127.0.0.1:0").backends(List.of(backend("b1", port)))
                .config(config).build().start());
    }

    private Socket connect(EdgeProxy proxy) throws Exception {
        return connect(proxy, 0);
    }

    /**
     * A client socket with a receive buffer of {@code receiveBuffer} bytes (0: the system's). The
     * size is set before the connect: shrunk after it, the window already offered to the proxy is
     * larger than the new buffer (TCP never takes an offered window back), the kernel drops what
     * does not fit, and the proxy's socket retransmits on a backing-off timer, a relay that crawls.
     */
    private Socket connect(EdgeProxy proxy, int receiveBuffer) throws Exception {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(proxy.localAddress(), 5_000);
        s.setSoTimeout(60_000);
        return s;
    }

    /** Sends {@code size} random bytes through an echo backend while reading the echo; returns (sent, received). */
    private Streams.Digest[] echoRoundTrip(EdgeProxy proxy, long seed, long size) throws Exception {
        try (Socket s = connect(proxy)) {
            Future<Streams.Digest> received = threads.submit(() -> Streams.readAll(s.getInputStream()));
            Streams.Digest sent = Streams.writeRandom(s.getOutputStream(), seed, size);
            s.shutdownOutput();
            return new Streams.Digest[] {sent, received.get(60, TimeUnit.SECONDS)};
        }
    }

    @Test
    void relays64MiBEachWayIntactOnOneConnection() throws Exception {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());

        Streams.Digest[] d = echoRoundTrip(proxy, 42, 64L * MiB);

        assertThat(d[1]).isEqualTo(d[0]);
        assertThat(d[1].bytes()).isEqualTo(64L * MiB);
    }

    @Test
    void relays1MiBEachWayOn200ConcurrentConnections() throws Exception {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());

        List<Future<Streams.Digest[]>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            long seed = i;
            results.add(threads.submit(() -> echoRoundTrip(proxy, seed, MiB)));
        }
        for (Future<Streams.Digest[]> f : results) {
            Streams.Digest[] d = f.get(90, TimeUnit.SECONDS);
            assertThat(d[1]).isEqualTo(d[0]);
            assertThat(d[1].bytes()).isEqualTo(MiB);
        }
        awaitNoActiveConnections(proxy);
    }

    @Test
    void clientThatShutsItsOutputStillReceivesTheWholeAnswer() throws Exception {
        // The backend answers only after the request's end of stream, like an HTTP/1.0 upload.
        TcpServer backend = track(new TcpServer(s -> {
            Streams.Digest request = Streams.readAll(s.getInputStream());
            Streams.writeRandom(s.getOutputStream(), request.bytes(), 8L * MiB);
        }));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());

        try (Socket s = connect(proxy)) {
            Streams.writeRandom(s.getOutputStream(), 1, 12345);
            s.shutdownOutput();
            Streams.Digest answer = Streams.readAll(s.getInputStream());

            Streams.Digest expected = Streams.writeRandom(OutputStreams.NULL, 12345, 8L * MiB);
            assertThat(answer).isEqualTo(expected);
        }
    }

    @Test
    void backendThatShutsItsOutputStillReceivesTheWholeRequest() throws Exception {
        CompletableFuture<Streams.Digest> seenByBackend = new CompletableFuture<>();
        TcpServer backend = track(new TcpServer(s -> {
            s.getOutputStream().write("ready\n".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            seenByBackend.complete(Streams.readAll(s.getInputStream()));
        }));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());

        try (Socket s = connect(proxy)) {
            byte[] greeting = s.getInputStream().readAllBytes(); // until the backend's end of stream
            assertThat(new String(greeting, StandardCharsets.US_ASCII)).isEqualTo("ready\n");
            Streams.Digest sent = Streams.writeRandom(s.getOutputStream(), 7, 8L * MiB);
            s.shutdownOutput();

            assertThat(seenByBackend.get(60, TimeUnit.SECONDS)).isEqualTo(sent);
        }
    }

    @Test
    void slowReaderNeverMakesTheProxyHoldMoreThanItsCap() throws Exception {
        long total = 256L * MiB;
        TcpServer backend = track(new TcpServer(s -> Streams.writeRandom(s.getOutputStream(), 99, total)));
        int bufferSize = 32 * 1024;
        // The copy path on either transport: splicing holds its bytes in a pipe (the test below).
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.builder().bufferSize(bufferSize).splice(false).build());

        AtomicLong maxHeld = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Future<?> sampler = threads.submit(() -> {
            while (sampling.get()) {
                maxHeld.accumulateAndGet(proxy.bufferBytesInUse(), Math::max);
                Thread.onSpinWait();
            }
        });
        Streams.Digest received;
        try (Socket s = connect(proxy, 16 * 1024)) {
            received = readSlowly(s.getInputStream());
        }
        sampling.set(false);
        sampler.get();

        assertThat(received).isEqualTo(Streams.writeRandom(OutputStreams.NULL, 99, total));
        // One pair, two directions, at most one buffer each.
        assertThat(maxHeld.get()).isPositive().isLessThanOrEqualTo(2L * bufferSize);
    }

    @Test
    void bulkToASlowReaderIsSplicedThroughAPipeThatHoldsAtMostItsSize() throws Exception {
        assumeTrue(Transport.defaultTransport().resolved() == Transport.EPOLL, "splice is a feature of the epoll transport");
        long total = 256L * MiB;
        TcpServer backend = track(new TcpServer(s -> Streams.writeRandom(s.getOutputStream(), 7, total)));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());
        long pipesBefore = openPipes();

        AtomicLong maxHeld = new AtomicLong();
        AtomicLong maxPipes = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Future<?> sampler = threads.submit(() -> {
            while (sampling.get()) {
                maxHeld.accumulateAndGet(proxy.bufferBytesInUse(), Math::max);
                maxPipes.accumulateAndGet(openPipes(), Math::max);
            }
            return null;
        });
        Streams.Digest received;
        try (Socket s = connect(proxy, 16 * 1024)) {
            received = readSlowly(s.getInputStream());
        }
        sampling.set(false);
        sampler.get();

        assertThat(received).isEqualTo(Streams.writeRandom(OutputStreams.NULL, 7, total));
        assertThat(maxPipes.get()).as("pipe descriptors open while the bulk moved").isGreaterThan(pipesBefore);
        // What waits for the slow reader sits in the pipe, at most its size (plus a buffer of the
        // copy path before the bulk was recognised).
        assertThat(maxHeld.get()).isPositive()
                .isLessThanOrEqualTo(ProxyConfig.SPLICE_PIPE_SIZE + (long) ProxyConfig.DEFAULT_BUFFER_SIZE);
        proxy.close();
        Eventually.await(Duration.ofSeconds(5), "the stopped proxy's pipes are closed", () -> openPipes() <= pipesBefore);
    }

    @Test
    void urgentDataInTheMiddleOfAnUploadIsSkippedAndWhatFollowsItArrives() throws Exception {
        // A backend that starts reading late, so the upload, the urgent byte and what follows sit in
        // the proxy's receive queue together: the relay meets the urgent mark in the middle of a burst
        // (on epoll, while it splices: splice stops in front of urgent data, a read skips it).
        CompletableFuture<byte[]> arrived = new CompletableFuture<>();
        TcpServer backend = track(new TcpServer(s -> {
            Thread.sleep(500);
            arrived.complete(s.getInputStream().readAllBytes());
        }));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());
        byte[] upload = new byte[1024 * 1024];
        new java.util.Random(3).nextBytes(upload);
        try (Socket s = connect(proxy)) {
            s.getOutputStream().write(upload);
            s.sendUrgentData('!');
            s.getOutputStream().write("tail".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            byte[] got = arrived.get(30, TimeUnit.SECONDS);
            // As a read() relays it (no SO_OOBINLINE): the urgent byte is not part of the stream.
            byte[] expected = java.util.Arrays.copyOf(upload, upload.length + 4);
            System.arraycopy("tail".getBytes(StandardCharsets.US_ASCII), 0, expected, upload.length, 4);
            assertThat(got.length).isEqualTo(expected.length);
            assertThat(got).isEqualTo(expected);
        }
    }

    /** Pipe descriptors this process has open (each pipe has two). */
    private static long openPipes() {
        try (java.util.stream.Stream<java.nio.file.Path> fds = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return java.nio.file.Files.readSymbolicLink(fd).toString().startsWith("pipe:");
                } catch (java.io.IOException | UnsupportedOperationException e) {
                    return false; // closed meanwhile (the listing's own descriptor among them)
                }
            }).count();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads in small gulps with pauses, so the proxy keeps hitting a full client socket. */
    private static Streams.Digest readSlowly(InputStream in) throws Exception {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        byte[] chunk = new byte[16 * 1024];
        long total = 0;
        int reads = 0;
        int n;
        while ((n = in.read(chunk)) >= 0) {
            crc.update(chunk, 0, n);
            total += n;
            if (++reads % 16 == 0) {
                Thread.sleep(1);
            }
        }
        return new Streams.Digest(total, crc.getValue());
    }

    @Test
    void serves2000ConcurrentConnectionsCorrectly() throws Exception {
        NioEchoServer backend = track(new NioEchoServer());
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.ofDefaults());

        int n = 2000;
        List<SocketChannel> clients = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                clients.add(SocketChannel.open(proxy.localAddress()));
            }
            for (int i = 0; i < n; i++) {
                clients.get(i).write(ByteBuffer.wrap(("client-" + i + "\n").getBytes(StandardCharsets.US_ASCII)));
            }
            for (int i = 0; i < n; i++) {
                String expected = "client-" + i + "\n";
                ByteBuffer answer = ByteBuffer.allocate(expected.length());
                SocketChannel c = clients.get(i);
                c.socket().setSoTimeout(30_000);
                while (answer.hasRemaining()) {
                    assertThat(c.read(answer)).as("connection %d", i).isNotNegative();
                }
                assertThat(new String(answer.array(), StandardCharsets.US_ASCII)).isEqualTo(expected);
            }
            assertThat(proxy.activeConnections()).isEqualTo(n);
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
        }
        awaitNoActiveConnections(proxy);
        assertThat(proxy.bufferBytesInUse()).isZero();
    }

    @Test
    void idleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.builder().idleTimeout(java.time.Duration.ofMillis(200)).build());

        try (Socket s = connect(proxy)) {
            s.getOutputStream().write('x');
            assertThat(s.getInputStream().read()).isEqualTo('x');
            // Silence from both sides: the proxy ends the pair.
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        awaitNoActiveConnections(proxy);
    }

    @Test
    void singleAcceptorHandsConnectionsToEveryLoopWhenReusePortIsOff() throws Exception {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.builder().reusePort(false).eventLoops(3).build());

        List<Future<Streams.Digest[]>> results = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            long seed = i;
            results.add(threads.submit(() -> echoRoundTrip(proxy, seed, 64 * 1024)));
        }
        for (Future<Streams.Digest[]> f : results) {
            Streams.Digest[] d = f.get(60, TimeUnit.SECONDS);
            assertThat(d[1]).isEqualTo(d[0]);
        }
    }

    @Test
    void listenerOnPortZeroReportsTheRealPort() {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy proxy = proxyTo(backend.port(), ProxyConfig.builder().eventLoops(2).build());

        InetSocketAddress bound = proxy.localAddress();
        assertThat(bound.getPort()).isPositive();
        assertThat(bound.getAddress().isLoopbackAddress()).isTrue();
    }

    @Test
    @org.junit.jupiter.api.condition.EnabledIf("ipv6LoopbackAvailable")
    void relaysOverIpv6BothWays() throws Exception {
        java.net.ServerSocket server = new java.net.ServerSocket();
        server.bind(new InetSocketAddress(java.net.InetAddress.getByName("::1"), 0));
        threads.execute(() -> {
            try (server; Socket s = server.accept()) {
                Streams.echo(s);
            } catch (Exception ignored) {
                // the assertion below reports what went wrong
            }
        });
        Backend v6 = Backend.builder("v6").app("test").region("sa").country("BR").address("::1")
                .port(server.getLocalPort()).build();
        EdgeProxy proxy = track(EdgeProxy.builder().listenAddress("[::1]:0").backends(List.of(v6)).build().start());

        Streams.Digest[] d = echoRoundTrip(proxy, 6, 256 * 1024);

        assertThat(proxy.localAddress().getAddress()).isInstanceOf(java.net.Inet6Address.class);
        assertThat(d[1]).isEqualTo(d[0]);
    }

    static boolean ipv6LoopbackAvailable() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new InetSocketAddress(java.net.InetAddress.getByName("::1"), 0));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void refusesToShareItsPortWithAnotherListener() throws Exception {
        TcpServer backend = track(new TcpServer(Streams::echo));
        EdgeProxy first = proxyTo(backend.port(), ProxyConfig.builder().eventLoops(2).build());
        EdgeProxy second = EdgeProxy.builder().listenAddress(first.localAddress())
                .backends(List.of(backend("b1", backend.port()))).config(ProxyConfig.builder().eventLoops(2).build())
                .build();

        // SO_REUSEPORT would let the kernel split clients between both: starting must fail instead.
        org.assertj.core.api.Assertions.assertThatThrownBy(second::start)
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("cannot listen on 127.0.0.1:" + first.localAddress().getPort())
                .hasMessageContaining("already in use");
        second.close();
        Streams.Digest[] d = echoRoundTrip(first, 1, 1024);
        assertThat(d[1]).isEqualTo(d[0]);
    }

    static void awaitNoActiveConnections(EdgeProxy proxy) {
        Eventually.await(Duration.ofSeconds(30), "no active connection", () -> proxy.activeConnections() == 0,
                proxy::activeConnections);
    }
}
