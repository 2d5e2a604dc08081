package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;

import java.net.InetSocketAddress;

/**
 * Hears what happens to client connections: the one place metrics, the shutdown drain, access
 * logs and user code learn about the data path.
 *
 * <p>Every method has an empty default, so a listener implements what it needs. Calls come on the
 * event loop that owns the connection, in this order for one connection: {@link #onOpened}, then per
 * attempt {@link #onRouted} followed by {@link #onConnected} or {@link #onBackendFailed}, then
 * {@link #onBytes} as bytes flow (in chunks of about 1 MiB and once more at the end), then
 * {@link #onClosed} exactly once. A connection that no backend served gets {@link #onRejected} just
 * before its {@link #onClosed}; a client turned away at accept gets only {@link #onRejected}.
 *
 * <p>Listeners are called outside any lock and must not block. One that throws is logged once and
 * counted ({@code EdgeProxy.listenerFailures()}); the connection carries on as if nothing happened.
 *
 * <pre>{@code
 * EdgeProxy.builder()
 *         .connectionListener(new ConnectionListener() {
 *             public void onClosed(ProxiedConnection c, CloseReason reason) {
 *                 accessLog.info("{} {} up={} down={}", c.client(), reason, c.bytesUp(), c.bytesDown());
 *             }
 *         })
 * }</pre>
 */
public interface ConnectionListener {

    /** A listener that does nothing. */
    ConnectionListener NONE = new ConnectionListener() {
    };

    /** A client was accepted and admitted. */
    default void onOpened(ProxiedConnection connection) {
    }

    /**
     * A client was turned away: at accept ({@code connection} is null, it never opened), or after
     * routing and connecting found no backend (followed by {@link #onClosed}).
     */
    default void onRejected(InetSocketAddress client, ProxiedConnection connection, RejectReason reason) {
    }

    /** Routing chose {@code backend} for the next attempt. */
    default void onRouted(ProxiedConnection connection, Backend backend) {
    }

    /**
     * The backend connection is up and relaying starts.
     *
     * @param connectNanos the connect round trip, or -1 when a warm spare skipped the connect
     */
    default void onConnected(ProxiedConnection connection, Backend backend, long connectNanos) {
    }

    /**
     * An attempt failed because of the backend: connect refused or timed out, or the backend socket
     * failed before the backend's first byte. Errors of the client or of the proxy never come here.
     */
    default void onBackendFailed(ProxiedConnection connection, Backend backend, Exception cause) {
    }

    /** {@code up} more bytes went to {@code backend} and {@code down} more came back, since the last call. */
    default void onBytes(ProxiedConnection connection, Backend backend, long up, long down) {
    }

    /** The connection ended; called exactly once per {@link #onOpened}. */
    default void onClosed(ProxiedConnection connection, CloseReason reason) {
    }
}
