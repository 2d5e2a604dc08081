package io.edgeproxy.benchmarks;

import io.edgeproxy.adapters.prometheus.PrometheusMetricsStore;
import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the Prometheus store costs the event loop: one whole connection's events (opened, routed,
 * connected with its RTT, one bytes report, closed), and one bytes report alone (what a long
 * transfer adds per ~1 MiB). {@code none} is the engine's listener with nothing behind it.
 *
 * <p>Run with {@code -t 1} and {@code -t 2} (two event loops on the same backends).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PrometheusMetricsBenchmark {

    @Param({"none", "prometheus"})
    public String listener;

    private static final AtomicLong IDS = new AtomicLong();
    private final Backend[] backends = new Backend[8];
    private ConnectionListener events;

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < backends.length; i++) {
            backends[i] = Backend.builder("backend-" + i).app("bench").region("sa").country("BR")
                    .address("127.0.0.1").port(9000 + i).build();
        }
        if (listener.equals("prometheus")) {
            PrometheusMetricsStore store = PrometheusMetricsStore.create();
            store.backendsChanged(List.of(backends));
            events = store;
        } else {
            events = ConnectionListener.NONE;
        }
    }

    /** A connection of one event loop (one thread): events of one connection come on its loop. */
    @State(Scope.Thread)
    public static class Loop implements ProxiedConnection {
        long id;
        int next;
        private final InetSocketAddress client = new InetSocketAddress("127.0.0.1", 40000);

        @Override
        public long id() {
            return id;
        }

        @Override
        public InetSocketAddress client() {
            return client;
        }

        @Override
        public Backend backend() {
            return null;
        }

        @Override
        public long bytesUp() {
            return 0;
        }

        @Override
        public long bytesDown() {
            return 0;
        }

        @Override
        public long openedAtNanos() {
            return 0;
        }

        @Override
        public int attempts() {
            return 1;
        }
    }

    @Benchmark
    public void wholeConnection(Loop c) {
        c.id = IDS.incrementAndGet();
        Backend b = backends[c.next++ & 7];
        events.onOpened(c);
        events.onRouted(c, b);
        events.onConnected(c, b, 180_000);
        events.onBytes(c, b, 78, 120);
        events.onClosed(c, CloseReason.COMPLETED);
    }

    @Benchmark
    public void bytesReport(Loop c) {
        events.onBytes(c, backends[c.next++ & 7], 1 << 20, 1 << 20);
    }
}
