package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.ActiveConnections;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Active connections per backend, counted the moment a backend is chosen (not when its connect
 * completes) so a burst of clients spreads instead of piling onto the backend that looked idlest.
 * {@link #tryAcquire(Backend)} never lets a count pass the backend's hard limit, whatever the
 * number of event loops choosing at once. Thread-safe and lock-free.
 */
public final class BackendLoad implements ActiveConnections {

    private final ConcurrentHashMap<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    @Override
    public int active(String backendId) {
        AtomicInteger c = counts.get(backendId);
        return c == null ? 0 : c.get();
    }

    /** @return true, counting one more connection, when the backend is below its hard limit */
    public boolean tryAcquire(Backend backend) {
        int limit = backend.hardLimit();
        for (;;) {
            AtomicInteger c = counts.computeIfAbsent(backend.id(), id -> new AtomicInteger());
            int current = c.get();
            if (current >= limit) {
                return false;
            }
            if (c.compareAndSet(current, current + 1)) {
                if (counts.get(backend.id()) == c) {
                    return true;
                }
                // retainOnly dropped this idle counter between the lookup and the CAS: undo, retry
                c.decrementAndGet();
            }
        }
    }

    /**
     * Forgets the counters of backends not in {@code keep} that have no active connection, so a
     * registry whose backend ids churn (discovery, autoscaling) cannot grow this map without bound.
     * A counter still in use is kept until its connections end.
     *
     * @return how many counters were removed
     */
    public int retainOnly(java.util.Set<String> keep) {
        int removed = 0;
        for (String id : counts.keySet()) {
            if (!keep.contains(id)) {
                boolean[] gone = new boolean[1];
                counts.computeIfPresent(id, (k, c) -> {
                    gone[0] = c.get() == 0;
                    return gone[0] ? null : c;
                });
                if (gone[0]) {
                    removed++;
                }
            }
        }
        return removed;
    }

    /** @return how many backends have a counter */
    public int size() {
        return counts.size();
    }

    /** Counts one connection of this backend as ended. */
    public void release(String backendId) {
        AtomicInteger c = counts.get(backendId);
        if (c != null) {
            c.decrementAndGet();
        }
    }
}
