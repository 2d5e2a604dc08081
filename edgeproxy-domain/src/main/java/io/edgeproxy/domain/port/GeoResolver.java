package io.edgeproxy.domain.port;

import io.edgeproxy.domain.GeoInfo;

import java.net.InetAddress;
import java.util.Optional;

/**
 * Finds where a client is from its address (a static CIDR table, a MaxMind database, ...). Called
 * on the event loop for every new client that has no binding: it must answer from memory.
 */
@FunctionalInterface
public interface GeoResolver {

    /** @return the client's country and region, or empty when unknown */
    Optional<GeoInfo> resolve(InetAddress client);

    /** @return a resolver that knows nothing: every client is routed by the proxy's own region */
    static GeoResolver unknown() {
        return client -> Optional.empty();
    }
}
