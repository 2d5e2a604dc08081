package io.edgeproxy.domain.port;

import io.edgeproxy.domain.Backend;

/**
 * What the infrastructure knows about a backend beyond the repository's {@code healthy} flag:
 * active health checks and circuit breakers plug in here. Must answer from memory.
 */
@FunctionalInterface
public interface BackendAvailability {

    /** @return whether new connections may go to this backend now */
    boolean isAvailable(Backend backend);

    /** @return the availability that accepts every backend */
    static BackendAvailability always() {
        return backend -> true;
    }

    /** @return an availability that requires both this one and {@code other} */
    default BackendAvailability and(BackendAvailability other) {
        return backend -> isAvailable(backend) && other.isAvailable(backend);
    }
}
