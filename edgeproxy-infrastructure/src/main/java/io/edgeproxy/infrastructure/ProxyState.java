package io.edgeproxy.infrastructure;

/** Where an {@link EdgeProxy} is in its life. */
public enum ProxyState {
    /** Built, not started. */
    NEW,
    /** Listening and serving. */
    RUNNING,
    /** {@link EdgeProxy#shutdown} runs: no new client is accepted, open connections finish. */
    DRAINING,
    /** Closed: nothing runs any more. */
    STOPPED,
    /**
     * An error it cannot survive (out of memory on an event loop) stopped it: the listeners are
     * closed, so new clients are refused instead of hanging; {@link EdgeProxy#failure()} says why.
     */
    FAILED
}
