package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.ClientKey;

/**
 * The outcome of routing one connection: the backend it goes to, holding one unit of that
 * backend's active count until {@link #release()}. Owned by the one thread that handles the
 * connection; release is idempotent.
 */
public final class Route {

    private final ClientKey client;
    private final Backend backend;
    private final boolean sticky;
    private final BackendLoad load;
    private boolean released;

    Route(ClientKey client, Backend backend, boolean sticky, BackendLoad load) {
        this.client = client;
        this.backend = backend;
        this.sticky = sticky;
        this.load = load;
    }

    public ClientKey client() {
        return client;
    }

    public Backend backend() {
        return backend;
    }

    /** @return whether the backend came from the client's existing binding */
    public boolean sticky() {
        return sticky;
    }

    /** Gives back this connection's share of the backend's active count. */
    public void release() {
        if (!released) {
            released = true;
            load.release(backend.id());
        }
    }

    @Override
    public String toString() {
        return "Route[" + client + " -> " + backend.id() + (sticky ? " (bound)" : "") + "]";
    }
}
