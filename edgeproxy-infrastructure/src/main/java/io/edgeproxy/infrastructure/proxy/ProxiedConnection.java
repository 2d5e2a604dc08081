package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;

import java.net.InetSocketAddress;

/**
 * A read-only view of one client connection, handed to {@link ConnectionListener}s. The figures are
 * live: read them during the callback, on the event loop that calls it; do not keep the object
 * beyond {@link ConnectionListener#onClosed} (the engine may reuse nothing, but the values stop
 * changing there).
 */
public interface ProxiedConnection {

    /** @return a number unique to this connection within the process, for correlating events */
    long id();

    /** @return the client's address and port */
    InetSocketAddress client();

    /**
     * @return the backend currently tried or relayed to; null before routing and between attempts.
     *         In {@link ConnectionListener#onClosed}: the backend the connection was relayed to, or
     *         null when it never got connected.
     */
    Backend backend();

    /** @return bytes relayed from the client to backends so far */
    long bytesUp();

    /** @return bytes relayed from backends to the client so far */
    long bytesDown();

    /** @return {@link System#nanoTime()} when the connection was accepted */
    long openedAtNanos();

    /** @return connect attempts made so far (a warm spare counts as one) */
    int attempts();
}
