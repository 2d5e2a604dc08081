package io.edgeproxy.domain.port;

import io.edgeproxy.domain.Backend;

import java.util.List;

/**
 * Chooses the backend for a new client among candidates that are already known to be available
 * (healthy, circuit not open, not excluded by a failed attempt). The default is the geo score of
 * {@code GeoScoreLoadBalancer}; round robin or least-connections fit here too.
 *
 * <p>Called on an event loop for every new client without a binding: it must not block. An
 * exception thrown here fails that one connection only.
 */
@FunctionalInterface
public interface LoadBalancer {

    /**
     * @param candidates available backends, in no particular order; never empty
     * @param context    the client, its location and the current load
     * @return the chosen backend (one of {@code candidates}), or {@code null} when none can take it
     */
    Backend choose(List<Backend> candidates, RoutingContext context);
}
