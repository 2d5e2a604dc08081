package io.edgeproxy.infrastructure.memory;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class InMemoryMetricsStoreTest {

    @Test
    void countsPerBackendAndInTotal() {
        InMemoryMetricsStore m = new InMemoryMetricsStore();
        m.recordConnection("a");
        m.recordConnection("a");
        m.recordDisconnection("a", Duration.ofMillis(5));
        m.recordBytesSent("a", 100);
        m.recordBytesReceived("a", 300);
        m.recordError("b");
        m.recordConnectRtt("a", 2_000);
        m.recordRejected("rate_limited");

        assertThat(m.backend("a")).isEqualTo(new InMemoryMetricsStore.BackendStats(2, 1, 100, 300, 0, 1, 2_000));
        assertThat(m.backend("b").errors()).isEqualTo(1);
        assertThat(m.backend("never").connections()).isZero();
        assertThat(m.totals().connections()).isEqualTo(2);
        assertThat(m.snapshot()).containsOnlyKeys("a", "b");
        assertThat(m.rejected("rate_limited")).isEqualTo(1);
        assertThat(m.rejected("no_backend")).isZero();
    }

    @Test
    void losesNoCountUnderConcurrentWriters() throws Exception {
        InMemoryMetricsStore m = new InMemoryMetricsStore();
        int threads = 8;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 0; i < perThread; i++) {
                    m.recordConnection("b" + (i % 4));
                    m.recordBytesSent("b" + (i % 4), 1);
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(); // carries a writer's failure back to this thread
        }
        pool.shutdown();

        assertThat(m.totals().connections()).isEqualTo((long) threads * perThread);
        assertThat(m.totals().bytesSent()).isEqualTo((long) threads * perThread);
    }
}
