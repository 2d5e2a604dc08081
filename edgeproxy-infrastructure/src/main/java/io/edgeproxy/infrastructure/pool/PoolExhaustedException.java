package io.edgeproxy.infrastructure.pool;

import java.io.IOException;

/** {@link ConnectionPool#acquire} waited its whole connect timeout for a free slot of a full backend. */
public final class PoolExhaustedException extends IOException {

    private final String backendId;
    private final int limit;

    public PoolExhaustedException(String backendId, int limit, long waitedMillis) {
        super("backend " + backendId + ": all " + limit + " connections (maxConnectionsPerBackend) are in use;"
                + " waited " + waitedMillis + " ms");
        this.backendId = backendId;
        this.limit = limit;
    }

    public String backendId() {
        return backendId;
    }

    public int limit() {
        return limit;
    }
}
