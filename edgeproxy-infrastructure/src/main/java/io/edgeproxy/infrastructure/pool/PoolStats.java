package io.edgeproxy.infrastructure.pool;

/**
 * Counts of a {@link ConnectionPool}, for one backend or all. A snapshot: the counts are read one
 * after another while the pool keeps working, so they need not add up exactly.
 *
 * @param idle      connected and waiting in the pool
 * @param inUse     handed out by {@link ConnectionPool#acquire} and not yet closed
 * @param created   connections ever opened by the pool
 * @param evicted   connections the pool closed itself: idle or lifetime expiry, found broken when
 *                  taken or returned, discarded by their user, or of a removed backend
 * @param warmTaken warm connections handed to the proxy by {@link ConnectionPool#take} (which
 *                  then belong to the proxy, not the pool)
 */
public record PoolStats(int idle, int inUse, long created, long evicted, long warmTaken) {

    /** @return the sum of this and {@code other} */
    public PoolStats plus(PoolStats other) {
        return new PoolStats(idle + other.idle, inUse + other.inUse, created + other.created,
                evicted + other.evicted, warmTaken + other.warmTaken);
    }
}
