package io.edgeproxy.infrastructure.memory;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.domain.port.BackendRepository;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Backends held in memory, changeable at runtime. Every change publishes a new immutable snapshot
 * behind one volatile reference and bumps {@link #version()}: readers (the event loops) never
 * block and never see a half-applied change. Writers are serialized.
 *
 * <pre>{@code
 * InMemoryBackendRepository repo = new InMemoryBackendRepository(List.of(backendA, backendB));
 * repo.upsert(backendA.withWeight(3));
 * }</pre>
 */
public final class InMemoryBackendRepository implements BackendRepository {

    private volatile Snapshot snapshot = new Snapshot(Map.of(), 0);

    public InMemoryBackendRepository() {
    }

    public InMemoryBackendRepository(Collection<Backend> backends) {
        replaceAll(backends);
    }

    @Override
    public List<Backend> all() {
        return snapshot.all;
    }

    @Override
    public Optional<Backend> byId(String id) {
        return Optional.ofNullable(snapshot.byId.get(id));
    }

    @Override
    public List<Backend> healthy() {
        return snapshot.healthy;
    }

    @Override
    public long version() {
        return snapshot.version;
    }

    /** Adds the backend or replaces the one with the same id. */
    public void upsert(Backend backend) {
        update(map -> {
            map.put(backend.id(), backend);
            return map;
        });
    }

    /** Removes the backend with this id. @return whether it was there */
    public boolean remove(String id) {
        boolean[] removed = new boolean[1];
        update(map -> {
            removed[0] = map.remove(id) != null;
            return map;
        });
        return removed[0];
    }

    /** Replaces every backend at once (ids must be unique). */
    public void replaceAll(Collection<Backend> backends) {
        update(map -> {
            Map<String, Backend> fresh = new LinkedHashMap<>();
            for (Backend b : backends) {
                if (fresh.put(b.id(), b) != null) {
                    throw new IllegalArgumentException("backend id \"" + b.id() + "\" appears twice");
                }
            }
            return fresh;
        });
    }

    private synchronized void update(UnaryOperator<Map<String, Backend>> change) {
        Snapshot current = snapshot;
        Map<String, Backend> next = change.apply(new LinkedHashMap<>(current.byId));
        if (!next.equals(current.byId)) {
            snapshot = new Snapshot(next, current.version + 1);
        }
    }

    private static final class Snapshot {
        final Map<String, Backend> byId;
        final List<Backend> all;
        final List<Backend> healthy;
        final long version;

        Snapshot(Map<String, Backend> byId, long version) {
            this.byId = Collections.unmodifiableMap(new LinkedHashMap<>(byId));
            this.all = List.copyOf(byId.values());
            List<Backend> h = new ArrayList<>(all.size());
            for (Backend b : all) {
                if (b.healthy()) {
                    h.add(b);
                }
            }
            this.healthy = List.copyOf(h);
            this.version = version;
        }
    }
}
