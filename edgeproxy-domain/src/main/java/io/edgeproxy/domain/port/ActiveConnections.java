package io.edgeproxy.domain.port;

/** A read view of how many connections each backend is serving right now. */
@FunctionalInterface
public interface ActiveConnections {

    /** @return the active connections of the backend with this id (0 when unknown) */
    int active(String backendId);
}
