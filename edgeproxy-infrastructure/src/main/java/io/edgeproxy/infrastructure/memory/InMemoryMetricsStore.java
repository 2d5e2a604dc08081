package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.port.MetricsStore;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-backend counters in memory, lock-free ({@link LongAdder}s in a concurrent map, one entry per
 * backend id). The default {@link MetricsStore} of an embedded proxy; read it with
 * {@link #backend(String)} and {@link #snapshot()}.
 */
public final class InMemoryMetricsStore implements MetricsStore {

    private final ConcurrentHashMap<String, Counters> backends = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> rejected = new ConcurrentHashMap<>();

    @Override
    public void recordConnection(String backendId) {
        Counters c = counters(backendId);
        c.connections.increment();
        c.active.increment();
    }

    @Override
    public void recordDisconnection(String backendId, Duration duration) {
        counters(backendId).active.decrement();
    }

    @Override
    public void recordBytesSent(String backendId, long bytes) {
        counters(backendId).bytesSent.add(bytes);
    }

    @Override
    public void recordBytesReceived(String backendId, long bytes) {
        counters(backendId).bytesReceived.add(bytes);
    }

    @Override
    public void recordError(String backendId) {
        counters(backendId).errors.increment();
    }

    @Override
    public void recordConnectRtt(String backendId, long rttNanos) {
        Counters c = counters(backendId);
        c.rttCount.increment();
        c.rttNanosSum.add(rttNanos);
    }

    @Override
    public void recordRejected(String reason) {
        rejected.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** @return the counters of one backend (all zero when it was never seen) */
    public BackendStats backend(String backendId) {
        Counters c = backends.get(backendId);
        return c == null ? new BackendStats(0, 0, 0, 0, 0, 0, 0) : c.stats();
    }

    /** @return how many clients were turned away for this reason */
    public long rejected(String reason) {
        LongAdder a = rejected.get(reason);
        return a == null ? 0 : a.sum();
    }

    /** @return the counters of every backend seen, by id */
    public Map<String, BackendStats> snapshot() {
        Map<String, BackendStats> out = new TreeMap<>();
        backends.forEach((id, c) -> out.put(id, c.stats()));
        return out;
    }

    /** @return the totals over all backends */
    public BackendStats totals() {
        long conns = 0, active = 0, sent = 0, received = 0, errors = 0, rttCount = 0, rttSum = 0;
        for (Counters c : backends.values()) {
            BackendStats s = c.stats();
            conns += s.connections();
            active += s.activeConnections();
            sent += s.bytesSent();
            received += s.bytesReceived();
            errors += s.errors();
            rttCount += s.connectRttCount();
            rttSum += s.connectRttNanosSum();
        }
        return new BackendStats(conns, active, sent, received, errors, rttCount, rttSum);
    }

    private Counters counters(String backendId) {
        Counters c = backends.get(backendId);
        return c != null ? c : backends.computeIfAbsent(backendId, id -> new Counters());
    }

    /** What happened on one backend so far. */
    public record BackendStats(long connections, long activeConnections, long bytesSent, long bytesReceived,
                               long errors, long connectRttCount, long connectRttNanosSum) {
    }

    private static final class Counters {
        final LongAdder connections = new LongAdder();
        final LongAdder active = new LongAdder();
        final LongAdder bytesSent = new LongAdder();
        final LongAdder bytesReceived = new LongAdder();
        final LongAdder errors = new LongAdder();
        final LongAdder rttCount = new LongAdder();
        final LongAdder rttNanosSum = new LongAdder();

        BackendStats stats() {
            return new BackendStats(connections.sum(), active.sum(), bytesSent.sum(), bytesReceived.sum(),
                    errors.sum(), rttCount.sum(), rttNanosSum.sum());
        }
    }
}
