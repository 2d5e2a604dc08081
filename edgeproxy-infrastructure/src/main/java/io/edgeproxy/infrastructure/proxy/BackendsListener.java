package io.edgeproxy.infrastructure.proxy;

import io.edgeproxy.domain.Backend;

import java.util.List;

/** Hears the backend set of a {@link RepositoryWatcher} whenever it changes. */
@FunctionalInterface
public interface BackendsListener {

    /**
     * @param backends every backend of the repository, healthy or not, as an immutable list; called
     *                 on the watcher's event loop, must not block
     */
    void backendsChanged(List<Backend> backends);
}
