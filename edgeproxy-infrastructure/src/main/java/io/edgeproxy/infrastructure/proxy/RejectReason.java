package io.edgeproxy.infrastructure.proxy;

import java.util.Locale;

/**
 * Why a client was turned away before any backend served it. {@link #label()} is the lowercase
 * name used in metrics and logs ({@code rate_limited}, {@code no_backend}, ...).
 */
public enum RejectReason {
    /** The per-client rate limiter had no token at accept. */
    RATE_LIMITED,
    /** The proxy holds its connection cap. */
    MAX_CONNECTIONS,
    /** The proxy is draining for shutdown. */
    DRAINING,
    /** Some other admission check said no. */
    REFUSED,
    /** No backend was a candidate (none healthy, all at their hard limit, none for this client). */
    NO_BACKEND,
    /** Every candidate left had its circuit open (or its half-open trials taken). */
    CIRCUIT_OPEN,
    /** Connects failed on every backend tried, within the retry budget. */
    CONNECT_FAILED,
    /** The routing use case or one of its ports threw. */
    ROUTING_ERROR,
    /** A local limit (file descriptors, ephemeral ports) stopped the connect: the proxy's fault. */
    LOCAL_ERROR;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** @return the lowercase name, as metrics label it */
    public String label() {
        return label;
    }
}
