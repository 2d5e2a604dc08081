package io.edgeproxy.domain.port;

import java.time.Duration;

/**
 * Where the proxy reports what happens per backend: connections opened and closed, bytes each
 * way, errors, and the time a backend took to accept a connection (connect round trip). The
 * in-memory and Prometheus adapters implement it.
 *
 * <p>Called from event loops: implementations must be lock-free or close to it and never block.
 * Bytes are reported in chunks while a connection lives and at its end, not per read.
 */
public interface MetricsStore {

    /** A connection to this backend was established. */
    void recordConnection(String backendId);

    /** A connection to this backend ended, after {@code duration}. */
    void recordDisconnection(String backendId, Duration duration);

    /** {@code bytes} more went from clients to this backend. */
    void recordBytesSent(String backendId, long bytes);

    /** {@code bytes} more came back from this backend to clients. */
    void recordBytesReceived(String backendId, long bytes);

    /** A connection to this backend failed (refused, timed out, reset). */
    void recordError(String backendId);

    /** This backend accepted a connection after {@code rttNanos} nanoseconds. */
    void recordConnectRtt(String backendId, long rttNanos);

    /** A client was turned away before reaching any backend ({@code reason}: "rate_limited", "no_backend", ...). */
    void recordRejected(String reason);

    /** @return a store that records nothing */
    static MetricsStore noop() {
        return NoopMetricsStore.INSTANCE;
    }
}
