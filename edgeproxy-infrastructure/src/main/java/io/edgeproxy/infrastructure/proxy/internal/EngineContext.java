package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import io.edgeproxy.infrastructure.proxy.ClientAdmission;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import io.edgeproxy.infrastructure.proxy.WarmConnections;

import java.util.List;
import java.util.function.IntSupplier;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every connection of an engine shares, handed to connections and acceptors instead of the
 * engine itself: settings, the routing use case, the hooks and the engine-wide counters.
 *
 * @param admissions  asked in order at accept; the first that says no turns the client away
 * @param openConnections the open connections, as counted by one of the listeners of {@code events}
 *                        (the proxy's shutdown controller): the connection cap reads it
 * @param atCap       whether some listener holds at the connection cap (one log line per episode)
 */
public record EngineContext(ProxyConfig config, RoutingService routing, ClientAdmission[] admissions,
                            BackendGate gate, WarmConnections warm, ConnectionEvents events,
                            IntSupplier openConnections, AtomicBoolean atCap) {

    public EngineContext(ProxyConfig config, RoutingService routing, List<ClientAdmission> admissions, BackendGate gate,
                         WarmConnections warm, ConnectionEvents events, IntSupplier openConnections) {
        this(config, routing, admissions.toArray(new ClientAdmission[0]), gate, warm, events, openConnections,
                new AtomicBoolean());
    }
}
