package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.port.MetricsStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shields the event loops from a {@link MetricsStore} that throws: the failure is logged (at most
 * once every 10 seconds) and the connection carries on. Metrics are worth less than traffic.
 */
final class GuardedMetricsStore implements MetricsStore {

    private static final Logger log = LoggerFactory.getLogger(GuardedMetricsStore.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final MetricsStore delegate;
    private final AtomicLong lastWarn = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    GuardedMetricsStore(MetricsStore delegate) {
        this.delegate = delegate;
    }

    private void failed(RuntimeException e) {
        long now = System.nanoTime();
        long last = lastWarn.get();
        if (now - last >= WARN_INTERVAL_NANOS && lastWarn.compareAndSet(last, now)) {
            log.warn("metrics store {} failed; the connection carries on", delegate.getClass().getName(), e);
        }
    }

    @Override
    public void recordConnection(String backendId) {
        try {
            delegate.recordConnection(backendId);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void recordDisconnection(String backendId, Duration duration) {
        try {
            delegate.recordDisconnection(backendId, duration);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void recordBytesSent(String backendId, long bytes) {
        try {
            delegate.recordBytesSent(backendId, bytes);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void recordBytesReceived(String backendId, long bytes) {
        try {
            delegate.recordBytesReceived(backendId, bytes);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void recordError(String backendId) {
        try {
            delegate.recordError(backendId);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void recordConnectRtt(String backendId, long rttNanos) {
        try {
            delegate.recordConnectRtt(backendId, rttNanos);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void recordRejected(String reason) {
        try {
            delegate.recordRejected(reason);
        } catch (RuntimeException e) {
            failed(e);
        }
    }
}
