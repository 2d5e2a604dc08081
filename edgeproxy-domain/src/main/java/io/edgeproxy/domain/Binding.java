package io.edgeproxy.domain;

import java.time.Duration;

/**
 * A client's affinity to one backend. A binding lives while it is used: it expires {@code ttl}
 * after {@link #lastSeenNanos()}, the last time a connection of that client was routed with it.
 *
 * @param client         the client
 * @param backendId      the backend the client sticks to
 * @param createdAtNanos when the binding was made, in {@link Ticker} nanoseconds
 * @param lastSeenNanos  when it was last used, in {@link Ticker} nanoseconds
 */
public record Binding(ClientKey client, String backendId, long createdAtNanos, long lastSeenNanos) {

    public Binding {
        if (client == null) {
            throw new IllegalArgumentException("client must not be null");
        }
        if (backendId == null || backendId.isBlank()) {
            throw new IllegalArgumentException("backendId must not be blank");
        }
    }

    /** @return whether the binding has expired at {@code nowNanos} for the given time to live */
    public boolean isExpired(long nowNanos, Duration ttl) {
        return nowNanos - lastSeenNanos > ttl.toNanos();
    }

    /** @return this binding, last used at {@code nowNanos} */
    public Binding touchedAt(long nowNanos) {
        return new Binding(client, backendId, createdAtNanos, nowNanos);
    }
}
