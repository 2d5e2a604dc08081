package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Binding;
import io.edgeproxy.domain.ClientKey;
import io.edgeproxy.domain.port.BindingRepository;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link BindingRepository} held in a test; it never removes anything on its own. */
final class TestBindingRepository implements BindingRepository {

    private final ConcurrentHashMap<ClientKey, Binding> bindings = new ConcurrentHashMap<>();

    @Override
    public Optional<Binding> find(ClientKey client) {
        return Optional.ofNullable(bindings.get(client));
    }

    @Override
    public void save(Binding binding) {
        bindings.put(binding.client(), binding);
    }

    @Override
    public void remove(ClientKey client) {
        bindings.remove(client);
    }

    @Override
    public int removeExpired(long nowNanos, Duration ttl) {
        int removed = 0;
        for (Binding b : bindings.values()) {
            if (b.isExpired(nowNanos, ttl) && bindings.remove(b.client(), b)) {
                removed++;
            }
        }
        return removed;
    }

    @Override
    public int size() {
        return bindings.size();
    }
}
