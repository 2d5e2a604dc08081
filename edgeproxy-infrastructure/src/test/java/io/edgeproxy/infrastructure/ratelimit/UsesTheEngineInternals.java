package io.edgeproxy.infrastructure.ratelimit;

import io.edgeproxy.infrastructure.proxy.internal.ConnectionEvents;

/** What the architecture rules must refuse: a component reaching into the engine's machinery. */
final class UsesTheEngineInternals {
    ConnectionEvents events;
}
