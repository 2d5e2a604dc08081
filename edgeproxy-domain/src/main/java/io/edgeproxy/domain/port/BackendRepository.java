package io.edgeproxy.domain.port;

import io.edgeproxy.domain.Backend;

import java.util.List;
import java.util.Optional;

/**
 * Where backends come from: memory, a TOML file, PostgreSQL, the discovery API.
 *
 * <p>The proxy reads it on every new connection from its event loops, so implementations must
 * answer from memory without blocking (keep an immutable snapshot behind a volatile reference and
 * refresh it elsewhere) and must be safe for concurrent use.
 */
public interface BackendRepository {

    /** @return every known backend, healthy or not, as an immutable list */
    List<Backend> all();

    /** @return the backend with this id, if known */
    Optional<Backend> byId(String id);

    /** @return the backends whose {@link Backend#healthy()} flag is set, as an immutable list */
    default List<Backend> healthy() {
        return all().stream().filter(Backend::healthy).toList();
    }

    /**
     * @return a number that changes whenever the set of backends or any of their fields changes,
     *         so callers can cache what they derive from {@link #all()}
     */
    long version();
}
