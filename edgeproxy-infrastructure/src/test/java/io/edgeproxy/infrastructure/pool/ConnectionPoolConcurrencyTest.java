package io.edgeproxy.infrastructure.pool;

import io.edgeproxy.domain.testing.Concurrently;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ConnectionPoolConcurrencyTest {

    private final EchoServer server;
    private final ConnectionPool pool = new ConnectionPool(PoolConfig.builder().maxConnectionsPerBackend(3).build());

    ConnectionPoolConcurrencyTest() throws IOException {
        server = new EchoServer();
    }

    @AfterEach
    void tearDown() throws IOException {
        pool.close();
        server.close();
    }

    @Test
    void thePerBackendLimitHoldsUnderConcurrency() throws Exception {
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger maxInUse = new AtomicInteger();
        Concurrently.start(8, t -> {
            for (int i = 0; i < 100; i++) {
                try (PooledConnection c = pool.acquire("sa-1", server.address())) {
                    maxInUse.accumulateAndGet(inUse.incrementAndGet(), Math::max);
                    assertThat(ConnectionPoolTest.roundTrip(c, "t" + t)).isEqualTo("t" + t);
                    inUse.decrementAndGet();
                    if (i % 10 == 9) {
                        c.discard();   // some connections go, new ones replace them
                    }
                }
            }
        }).join(60);
        assertThat(maxInUse.get()).isLessThanOrEqualTo(3);
        assertThat(maxInUse.get()).as("the threads did overlap").isGreaterThan(1);
        PoolStats s = pool.stats("sa-1");
        assertThat(s.inUse()).isZero();
        assertThat(s.idle()).isBetween(0, 3);
        assertThat(s.created()).isEqualTo(server.accepted.get());
        assertThat(s.created() - s.evicted()).isEqualTo(s.idle());
    }
}
