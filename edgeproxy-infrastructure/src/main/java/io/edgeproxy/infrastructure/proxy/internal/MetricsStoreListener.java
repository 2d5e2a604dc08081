package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.MetricsStore;
import io.edgeproxy.infrastructure.proxy.CloseReason;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import io.edgeproxy.infrastructure.proxy.RejectReason;

import java.net.InetSocketAddress;
import java.time.Duration;

/** Feeds the {@link MetricsStore} port from the connection events: the engine reports only events. */
public final class MetricsStoreListener implements ConnectionListener {

    private final MetricsStore metrics;

    public MetricsStoreListener(MetricsStore metrics) {
        this.metrics = metrics;
    }

    @Override
    public void onRejected(InetSocketAddress client, ProxiedConnection connection, RejectReason reason) {
        metrics.recordRejected(reason.label());
    }

    @Override
    public void onConnected(ProxiedConnection connection, Backend backend, long connectNanos) {
        if (connectNanos >= 0) {
            metrics.recordConnectRtt(backend.id(), connectNanos);
        }
        metrics.recordConnection(backend.id());
    }

    @Override
    public void onBackendFailed(ProxiedConnection connection, Backend backend, Exception cause) {
        metrics.recordError(backend.id());
    }

    @Override
    public void onBytes(ProxiedConnection connection, Backend backend, long up, long down) {
        if (up > 0) {
            metrics.recordBytesSent(backend.id(), up);
        }
        if (down > 0) {
            metrics.recordBytesReceived(backend.id(), down);
        }
    }

    @Override
    public void onClosed(ProxiedConnection connection, CloseReason reason) {
        Backend b = connection.backend();
        if (b != null) {
            metrics.recordDisconnection(b.id(), Duration.ofNanos(System.nanoTime() - connection.openedAtNanos()));
        }
    }
}
