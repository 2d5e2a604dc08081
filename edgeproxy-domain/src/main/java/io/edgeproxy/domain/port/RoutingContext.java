package io.edgeproxy.domain.port;

import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.GeoInfo;
import io.edgeproxy.domain.RegionCode;

import java.util.Objects;
import java.util.Optional;

/**
 * What a {@link LoadBalancer} knows about the connection it places.
 *
 * @param client      the client
 * @param clientGeo   where the client is, when known
 * @param localRegion the region of this proxy
 * @param load        active connections per backend, counting every connection already placed
 */
public record RoutingContext(ClientKey client, Optional<GeoInfo> clientGeo, RegionCode localRegion,
                             ActiveConnections load) {

    public RoutingContext {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(clientGeo, "clientGeo");
        Objects.requireNonNull(localRegion, "localRegion");
        Objects.requireNonNull(load, "load");
    }
}
