package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.domain.testing.FakeTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.edgeproxy.infrastructure.testing.TestBackends.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final FakeTicker ticker = new FakeTicker();
    private final EchoServer server;
    private ConnectionPool pool;

    ConnectionPoolTest() throws IOException {
        server = new EchoServer();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (pool != null) {
            pool.close();
        }
        server.close();
    }

    private ConnectionPool pool(PoolConfig config) {
        pool = new ConnectionPool(config, ticker);
        return pool;
    }

    static String roundTrip(PooledConnection c, String text) throws IOException {
        c.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
        return readExactly(c, text.length());
    }

    static String readExactly(PooledConnection c, int n) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(n);
        while (in.hasRemaining()) {
            if (c.read(in) < 0) {
                throw new IOException("closed early");
            }
        }
        return new String(in.array(), StandardCharsets.US_ASCII);
    }

    @Test
    void acquireConnectsOnceAndReusesTheConnectionAfterClose() throws IOException {
        pool(PoolConfig.ofDefaults());
        SocketChannel first;
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            assertThat(c.isReused()).isFalse();
            assertThat(c.channel().isBlocking()).isTrue();
            assertThat(roundTrip(c, "hello")).isEqualTo("hello");
            first = c.channel();
            assertThat(pool.stats("sa-1")).isEqualTo(new PoolStats(0, 1, 1, 0, 0));
        }
        assertThat(pool.stats("sa-1")).isEqualTo(new PoolStats(1, 0, 1, 0, 0));
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            assertThat(c.isReused()).isTrue();
            assertThat(c.channel()).isSameAs(first);
            assertThat(c.channel().isBlocking()).isTrue();
            assertThat(roundTrip(c, "again")).isEqualTo("again");
        }
        assertThat(server.accepted.get()).isEqualTo(1);
    }

    @Test
    void aConnectionTheBackendClosedIsNeverHandedOut() throws IOException {
        pool(PoolConfig.ofDefaults());
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            roundTrip(c, "x");
        }
        server.closeAllConnections();
        Eventually.await(WAIT, "the server side closed", () -> server.ended.get() == 1);
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            assertThat(c.isReused()).isFalse();
            assertThat(roundTrip(c, "fresh")).isEqualTo("fresh");
        }
        assertThat(pool.stats("sa-1").evicted()).isEqualTo(1);
        assertThat(server.accepted.get()).isEqualTo(2);
    }

    @Test
    void aConnectionWithUnreadBytesIsNotGivenBack() throws IOException {
        pool(PoolConfig.ofDefaults());
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            c.write(ByteBuffer.wrap("TWICE".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readExactly(c, 5)).isEqualTo("TWICE");   // and five more bytes wait unread
        }
        assertThat(pool.stats("sa-1")).isEqualTo(new PoolStats(0, 0, 1, 1, 0));
        Eventually.await(WAIT, "the server saw the close", () -> server.ended.get() == 1);
    }

    @Test
    void discardAndReadErrorsCloseForGood() throws IOException {
        pool(PoolConfig.ofDefaults());
        PooledConnection c = pool.acquire("sa-1", server.address());
        c.discard();
        assertThat(c.channel().isOpen()).isFalse();
        c.close(); // idempotent
        assertThat(pool.stats("sa-1")).isEqualTo(new PoolStats(0, 0, 1, 1, 0));

        try (PooledConnection d = pool.acquire("sa-1", server.address())) {
            roundTrip(d, "y");
            server.closeAllConnections();
            assertThat(d.read(ByteBuffer.allocate(1))).isEqualTo(-1);  // the backend hung up: broken
        }
        assertThat(pool.stats("sa-1").idle()).isZero();
        assertThat(pool.stats("sa-1").evicted()).isEqualTo(2);
    }

    @Test
    void aConnectionWhoseOutputWasShutDownIsNotGivenBack() throws IOException {
        pool(PoolConfig.ofDefaults());
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            c.channel().shutdownOutput();
        }
        assertThat(pool.stats("sa-1").idle()).isZero();
    }

    @Test
    void idleConnectionsExpireAfterIdleTimeout() throws IOException {
        pool(PoolConfig.ofDefaults());
        pool.acquire("sa-1", server.address()).close();
        ticker.advance(Duration.ofSeconds(59));
        assertThat(pool.evictExpired()).isZero();
        ticker.advance(Duration.ofSeconds(1));
        assertThat(pool.evictExpired()).isEqualTo(1);
        assertThat(pool.stats("sa-1")).isEqualTo(new PoolStats(0, 0, 1, 1, 0));

        pool.acquire("sa-1", server.address()).close();
        ticker.advance(Duration.ofSeconds(60));
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            assertThat(c.isReused()).as("an expired idle connection is not handed out").isFalse();
        }
    }

    @Test
    void connectionsRetireAtMaxLifetimeEvenWhenBusy() throws IOException {
        pool(PoolConfig.ofDefaults());
        SocketChannel first = null;
        for (int i = 0; i < 6; i++) {                      // used every 50 s: never idle for 60 s
            try (PooledConnection c = pool.acquire("sa-1", server.address())) {
                if (first == null) {
                    first = c.channel();
                }
                assertThat(c.channel()).isSameAs(first);
            }
            ticker.advance(Duration.ofSeconds(50));
        }
        // 300 s old now
        try (PooledConnection c = pool.acquire("sa-1", server.address())) {
            assertThat(c.channel()).isNotSameAs(first);
        }
        assertThat(first.isOpen()).isFalse();
    }

    @Test
    void overTheLimitACallerWaitsTheConnectTimeoutThenGetsAClearError() throws IOException {
        pool(PoolConfig.builder().maxConnectionsPerBackend(2).connectTimeout(Duration.ofMillis(200)).build());
        PooledConnection a = pool.acquire("sa-1", server.address());
        PooledConnection b = pool.acquire("sa-1", server.address());
        long start = System.nanoTime();
        assertThatThrownBy(() -> pool.acquire("sa-1", server.address()))
                .isInstanceOf(PoolExhaustedException.class)
                .hasMessageMatching("backend sa-1: all 2 connections \\(maxConnectionsPerBackend\\) are in use;"
                        + " waited \\d+ ms")
                .satisfies(e -> assertThat(((PoolExhaustedException) e).limit()).isEqualTo(2));
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));
        assertThat(server.accepted.get()).isEqualTo(2);
        a.close();
        b.close();
    }

    @Test
    void aWaitingCallerGetsTheConnectionGivenBack() throws Exception {
        pool(PoolConfig.builder().maxConnectionsPerBackend(1).build());
        PooledConnection held = pool.acquire("sa-1", server.address());
        CompletableFuture<PooledConnection> waiter = CompletableFuture.supplyAsync(() -> {
            try {
                return pool.acquire("sa-1", server.address());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Eventually.await(WAIT, "the second caller is waiting", () -> pool.stats("sa-1").inUse() == 1 && !waiter.isDone());
        SocketChannel ch = held.channel();
        held.close();
        PooledConnection got = waiter.get(4, TimeUnit.SECONDS); // well before the 5 s connect timeout
        assertThat(got.channel()).isSameAs(ch);
        // A round trip first: the server counts a connection when its thread accepts it, which can
        // come after the client's connect has returned.
        assertThat(roundTrip(got, "once")).isEqualTo("once");
        got.close();
        assertThat(server.accepted.get()).isEqualTo(1);
    }

    @Test
    void aFailedConnectNamesTheBackendAndFreesItsSlot() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        pool(PoolConfig.builder().maxConnectionsPerBackend(1).build());
        InetSocketAddress dead = new InetSocketAddress("127.0.0.1", port);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> pool.acquire("gone", dead))
                    .isInstanceOf(IOException.class).isNotInstanceOf(PoolExhaustedException.class)
                    .hasMessageStartingWith("backend gone (127.0.0.1:" + port + "): connect failed: ");
        }
        assertThat(pool.stats("gone")).isEqualTo(new PoolStats(0, 0, 0, 0, 0));
    }

    @Test
    void aBackendThatMovedGetsNewConnections() throws IOException {
        pool(PoolConfig.ofDefaults());
        pool.acquire("sa-1", server.address()).close();
        try (EchoServer moved = new EchoServer()) {
            try (PooledConnection c = pool.acquire("sa-1", moved.address())) {
                assertThat(c.isReused()).isFalse();
                assertThat(c.address()).isEqualTo(moved.address());
                assertThat(roundTrip(c, "moved")).isEqualTo("moved");
            }
        }
    }

    @Test
    void closeClosesIdleConnectionsAndRefusesNewAcquires() throws IOException {
        pool(PoolConfig.ofDefaults());
        PooledConnection inUse = pool.acquire("sa-1", server.address());
        pool.acquire("sa-1", server.address()).close();
        pool.close();
        assertThat(pool.stats("sa-1").idle()).isZero();
        inUse.close();
        assertThat(inUse.channel().isOpen()).as("given back after close: closed").isFalse();
        assertThatThrownBy(() -> pool.acquire("sa-1", server.address()))
                .isInstanceOf(IllegalStateException.class).hasMessage("connection pool is closed");
        assertThat(pool.take(local("sa-1", 9))).isNull();
        Eventually.await(WAIT, "the server saw both close", () -> server.ended.get() == 2);
    }
}
