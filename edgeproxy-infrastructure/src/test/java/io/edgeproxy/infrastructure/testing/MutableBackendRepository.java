package io.edgeproxy.infrastructure.testing;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendRepository;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A repository a test edits; answers from an immutable snapshot. */
public final class MutableBackendRepository implements BackendRepository {

    private volatile List<Backend> backends = List.of();
    private volatile long version;

    public MutableBackendRepository(Backend... initial) {
        backends = List.of(initial);
    }

    public static Backend local(String id, int port) {
        return Backend.builder(id).app("api").region("sa").country("BR").address("127.0.0.1").port(port).build();
    }

    public synchronized void add(Backend b) {
        List<Backend> next = new ArrayList<>(backends);
        next.add(b);
        backends = List.copyOf(next);
        version++;
    }

    public synchronized void remove(String id) {
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
