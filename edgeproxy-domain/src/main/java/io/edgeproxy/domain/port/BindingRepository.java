package io.edgeproxy.domain.port;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;

import java.time.Duration;
import java.util.Optional;

/**
 * Client affinity storage. Implementations must be safe for concurrent use and must not block; the
 * routing use case decides whether a binding it finds is still valid.
 */
public interface BindingRepository {

    /** @return the binding of this client, possibly expired */
    Optional<Binding> find(ClientKey client);

    /** Stores (or replaces) the binding of {@code binding.client()}. */
    void save(Binding binding);

    /** Forgets the binding of this client, whatever backend it points to. */
    void remove(ClientKey client);

    /**
     * Forgets the binding of this client only if it points to {@code backendId}. The default is
     * find-then-remove; implementations that can should make it atomic, so a binding another
     * thread just made to a different backend survives.
     */
    default void removeIfBoundTo(ClientKey client, String backendId) {
        Optional<Binding> b = find(client);
        if (b.isPresent() && b.get().backendId().equals(backendId)) {
            remove(client);
        }
    }

    /**
     * Removes every binding that expired at {@code nowNanos}.
     *
     * @return how many were removed
     */
    int removeExpired(long nowNanos, Duration ttl);

    /** @return the number of bindings held */
    int size();
}
