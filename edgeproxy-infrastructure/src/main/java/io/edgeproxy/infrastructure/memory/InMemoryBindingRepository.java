package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.port.BindingRepository;

import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Client bindings in a concurrent map with a size cap, so a flood of distinct source addresses
 * cannot grow memory without bound. When full, saving a new client's binding first evicts an
 * arbitrary existing one (Redis's {@code allkeys-random}): the evicted client only loses its
 * affinity, never its connection. Expired bindings are removed by {@link #removeExpired}, which the
 * proxy calls on a schedule. Lock-free reads; thread-safe.
 */
public final class InMemoryBindingRepository implements BindingRepository {

    /** Defaults to 1,000,000 bindings (about 200 MB at most). */
    public static final int DEFAULT_MAX_BINDINGS = 1_000_000;

    private final ConcurrentHashMap<ClientKey, Binding> bindings = new ConcurrentHashMap<>();
    private final int maxBindings;

    public InMemoryBindingRepository() {
        this(DEFAULT_MAX_BINDINGS);
    }

    /** @param maxBindings the most bindings held at once, >= 1 */
    public InMemoryBindingRepository(int maxBindings) {
        if (maxBindings < 1) {
            throw new IllegalArgumentException("maxBindings must be >= 1, but was " + maxBindings);
        }
        this.maxBindings = maxBindings;
    }

    @Override
    public Optional<Binding> find(ClientKey client) {
        return Optional.ofNullable(bindings.get(client));
    }

    @Override
    public void save(Binding binding) {
        if (bindings.size() >= maxBindings && !bindings.containsKey(binding.client())) {
            Iterator<ClientKey> it = bindings.keySet().iterator();
            while (bindings.size() >= maxBindings && it.hasNext()) {
                bindings.remove(it.next());
            }
        }
        bindings.put(binding.client(), binding);
    }

    @Override
    public void remove(ClientKey client) {
        bindings.remove(client);
    }

    @Override
    public void removeIfBoundTo(ClientKey client, String backendId) {
        bindings.computeIfPresent(client, (k, b) -> b.backendId().equals(backendId) ? null : b);
    }

    @Override
    public int removeExpired(long nowNanos, Duration ttl) {
        int removed = 0;
        for (Iterator<Binding> it = bindings.values().iterator(); it.hasNext(); ) {
            if (it.next().isExpired(nowNanos, ttl)) {
                it.remove();
                removed++;
            }
        }
        return removed;
    }

    @Override
    public int size() {
        return bindings.size();
    }

    public int maxBindings() {
        return maxBindings;
    }
}
