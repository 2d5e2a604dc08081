package io.edgeproxy.domain.routing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendRepository;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A {@link BackendRepository} held in a test: an immutable list behind a volatile reference. */
final class TestBackendRepository implements BackendRepository {

    private volatile List<Backend> backends = List.of();
    private volatile long version;

    TestBackendRepository(Backend... backends) {
        this.backends = List.of(backends);
    }

    /** Adds the backend, or replaces the one with its id. */
    synchronized void put(Backend backend) {
        List<Backend> next = new ArrayList<>(backends);
        next.removeIf(b -> b.id().equals(backend.id()));
        next.add(backend);
        backends = List.copyOf(next);
        version++;
    }

    synchronized void remove(String id) {
        List<Backend> next = new ArrayList<>(backends);
        next.removeIf(b -> b.id().equals(id));
        backends = List.copyOf(next);
        version++;
    }

    @Override
    public List<Backend> all() {
        return backends;
    }

    @Override
    public Optional<Backend> byId(String id) {
        return backends.stream().filter(b -> b.id().equals(id)).findFirst();
    }

    @Override
    public long version() {
        return version;
    }
}
