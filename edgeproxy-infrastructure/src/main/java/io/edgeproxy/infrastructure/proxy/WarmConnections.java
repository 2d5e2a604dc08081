package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;

import java.nio.channels.SocketChannel;

/**
 * Hands out already-connected backend sockets, so a new client skips the connect round trip: the
 * connection pool implements it. Called on an event loop: must answer at once, without blocking.
 */
@FunctionalInterface
public interface WarmConnections {

    /** Never has a spare. */
    WarmConnections NONE = backend -> null;

    /**
     * @return a connected channel to this backend in non-blocking mode, registered with no selector,
     *         that the caller now owns; or null when there is none at hand
     */
    SocketChannel take(Backend backend);
}
