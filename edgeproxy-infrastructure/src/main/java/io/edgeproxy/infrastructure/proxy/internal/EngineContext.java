package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.routing.RoutingService;
import io.edgeproxy.infrastructure.proxy.BackendGate;
import io.edgeproxy.infrastructure.proxy.ClientAdmission;
import io.edgeproxy.infrastructure.proxy.ProxyConfig;
import io.edgeproxy.infrastructure.proxy.WarmConnections;

import io.edgeproxy.infrastructure.shutdown.ShutdownController;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What every connection of an engine shares, handed to connections and acceptors instead of the
 * engine itself: settings, the routing use case, the hooks and the engine-wide counters.
 *
 * @param admissions  asked in order at accept; the first that says no turns the client away
 * @param connections counts the open connections (one of the listeners of {@code events}): the
 *                    connection cap and the shutdown drain read it
 * @param atCap       whether some listener holds at the connection cap (one log line per episode)
 */
public record EngineContext(ProxyConfig config, RoutingService routing, ClientAdmission[] admissions,
                            BackendGate gate, WarmConnections warm, ConnectionEvents events,
                            ShutdownController connections, AtomicBoolean atCap) {

    public EngineContext(ProxyConfig config, RoutingService routing, List<ClientAdmission> admissions, BackendGate gate,
                         WarmConnections warm, ConnectionEvents events, ShutdownController connections) {
        this(config, routing, admissions.toArray(new ClientAdmission[0]), gate, warm, events, connections,
                new AtomicBoolean());
    }
}
