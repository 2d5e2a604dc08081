package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.testing.Eventually;
import io.edgeproxy.infrastructure.memory.InMemoryBackendRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static io.edgeproxy.infrastructure.testing.TestBackends.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectionPoolWarmingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final EchoServer server;
    private final ConnectionPool pool = new ConnectionPool(PoolConfig.builder().warmConnectionsPerBackend(2)
            .maxConnectionsPerBackend(3).connectTimeout(Duration.ofSeconds(1)).build());

    ConnectionPoolWarmingTest() throws IOException {
        server = new EchoServer();
    }

    @AfterEach
    void tearDown() throws IOException {
        pool.close();
        server.close();
    }

    @Test
    void takeReturnsNullAtOnceWhenNothingIsWarm() {
        assertThat(pool.take(local("sa-1", 9))).isNull();
    }

    @Test
    void keepsSparesConnectedAndHandsOutUnregisteredNonBlockingChannels() throws IOException {
        Backend b = local("sa-1", server.server.getLocalPort());
        pool.startWarming(new InMemoryBackendRepository(java.util.List.of(b)));
        Eventually.await(WAIT, "two spares", () -> pool.stats("sa-1").idle() == 2, () -> pool.stats("sa-1"));

        SocketChannel ch = pool.take(local("sa-1", 9));
        assertThat(ch).isNotNull();
        assertThat(ch.isConnected()).isTrue();
        assertThat(ch.isBlocking()).isFalse();
        assertThat(ch.isRegistered()).isFalse();
        try (ch) {
            ch.configureBlocking(true);
            ch.write(ByteBuffer.wrap("warm".getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer in = ByteBuffer.allocate(4);
            while (in.hasRemaining()) {
                assertThat(ch.read(in)).isNotNegative();
            }
            assertThat(new String(in.array(), StandardCharsets.US_ASCII)).isEqualTo("warm");
        }
        Eventually.await(WAIT, "the taken spare is replaced", () -> pool.stats("sa-1").idle() == 2,
                () -> pool.stats("sa-1"));
        PoolStats s = pool.stats("sa-1");
        assertThat(s.warmTaken()).isEqualTo(1);
        assertThat(s.created()).isEqualTo(3);
        assertThat(s.inUse()).as("a taken spare belongs to the caller").isZero();
    }

    @Test
    void sparesTheBackendClosedAreNeverHandedOut() throws IOException {
        pool.startWarming(new InMemoryBackendRepository(java.util.List.of(local("sa-1", server.server.getLocalPort()))));
        Eventually.await(WAIT, "two spares", () -> pool.stats("sa-1").idle() == 2);
        Eventually.await(WAIT, "the server accepted both", () -> server.open.get() == 2);
        server.closeAllConnections();
        Eventually.await(WAIT, "the server closed them", () -> server.ended.get() >= 2);
        for (int i = 0; i < 5; i++) {
            SocketChannel ch = pool.take(local("sa-1", 9));
            if (ch != null) {
                try (ch) {
                    assertThat(ch.read(ByteBuffer.allocate(1))).as("a live connection reads nothing").isZero();
                }
            }
        }
        assertThat(pool.stats("sa-1").evicted()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void warmsOnlyHealthyAndAvailableBackends() {
        Backend up = local("up", server.server.getLocalPort());
        Backend flagged = local("flagged", server.server.getLocalPort()).withHealthy(false);
        Backend vetoed = local("vetoed", server.server.getLocalPort());
        pool.startWarming(new InMemoryBackendRepository(java.util.List.of(up, flagged, vetoed)), b -> !b.id().equals("vetoed"));
        Eventually.await(WAIT, "up is warm", () -> pool.stats("up").idle() == 2);
        assertThat(pool.stats("flagged").created()).isZero();
        assertThat(pool.stats("vetoed").created()).isZero();
    }

    @Test
    void aBackendThatLeavesTheRepositoryLosesItsSpares() {
        InMemoryBackendRepository repo = new InMemoryBackendRepository(java.util.List.of(local("sa-1", server.server.getLocalPort()),
                local("sa-2", server.server.getLocalPort())));
        pool.startWarming(repo);
        Eventually.await(WAIT, "both warm", () -> pool.stats().idle() == 4);
        repo.remove("sa-2");
        Eventually.await(WAIT, "sa-2's spares closed", () -> pool.stats().idle() == 2, pool::stats);
        assertThat(pool.take(local("sa-2", 9))).isNull();
        Eventually.await(WAIT, "the server saw two closes", () -> server.ended.get() == 2);
    }

    @Test
    void anUnreachableBackendIsRetriedWithoutBlockingTheOthers() throws IOException {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        pool.startWarming(new InMemoryBackendRepository(java.util.List.of(local("dead", deadPort),
                local("up", server.server.getLocalPort()))));
        Eventually.await(WAIT, "up is warm", () -> pool.stats("up").idle() == 2);
        assertThat(pool.stats("dead").idle()).isZero();
        assertThat(pool.take(local("dead", 9))).isNull();
    }

    @Test
    void warmingStartsOnce() {
        pool.startWarming(new InMemoryBackendRepository());
        assertThatThrownBy(() -> pool.startWarming(new InMemoryBackendRepository()))
                .isInstanceOf(IllegalStateException.class).hasMessage("connection pool: warming already runs");
    }

    @Test
    void closeStopsTheWarmerThread() {
        pool.startWarming(new InMemoryBackendRepository(java.util.List.of(local("sa-1", server.server.getLocalPort()))));
        Eventually.await(WAIT, "warm", () -> pool.stats("sa-1").idle() == 2);
        pool.close();
        Eventually.await(WAIT, "the warmer thread ended", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("edgeproxy-pool") && t.isAlive()));
        assertThat(pool.stats("sa-1").idle()).isZero();
    }
}
