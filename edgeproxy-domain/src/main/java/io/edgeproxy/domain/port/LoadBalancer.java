package io.edgeproxy.domain.port;

import io.edgeproxy.domain.Backend;

import java.util.List;

/**
 * Chooses the backend for a new client among candidates that the routing use case has already
 * found able to take one: the repository's {@code healthy} flag is set, {@link BackendAvailability}
 * says available (active health checks pass, circuit not open), not excluded by a failed attempt
 * of this connection, {@code weight} above 0, and fewer active connections than the hard limit
 * when the list was built. An implementation need not check any of that again. The default is the
 * geo score of {@code GeoScoreLoadBalancer}; round robin or least-connections fit here too.
 *
 * <p>Another event loop may take a backend's last slot under its hard limit between the list and
 * the choice: the routing use case then takes that backend out of the list and asks again.
 *
 * <p>Called on an event loop for every new client without a binding: it must not block. An
 * exception thrown here fails that one connection only.
 */
@FunctionalInterface
public interface LoadBalancer {

    /**
     * @param candidates the backends that can take a new client, in no particular order; never
     *                   empty; valid for this call only
     * @param context    the client, its location and the current load
     * @return the chosen backend (one of {@code candidates}), or {@code null} when none can take it
     */
    Backend choose(List<Backend> candidates, RoutingContext context);
}
