package io.edgeproxy.domain.port;

import java.time.Duration;

/** The {@link MetricsStore} of a proxy with metrics switched off. */
enum NoopMetricsStore implements MetricsStore {
    INSTANCE;

    @Override
    public void recordConnection(String backendId) {
    }

    @Override
    public void recordDisconnection(String backendId, Duration duration) {
    }

    @Override
    public void recordBytesSent(String backendId, long bytes) {
    }

    @Override
    public void recordBytesReceived(String backendId, long bytes) {
    }

    @Override
    public void recordError(String backendId) {
    }

    @Override
    public void recordConnectRtt(String backendId, long rttNanos) {
    }

    @Override
    public void recordRejected(String reason) {
    }
}
