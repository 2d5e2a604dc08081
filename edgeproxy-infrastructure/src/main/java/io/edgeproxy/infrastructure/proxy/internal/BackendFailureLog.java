package io.edgeproxy.infrastructure.proxy.internal;

import io.edgeproxy.domain.Backend;
import io.edgeproxy.infrastructure.proxy.BackendsListener;
import io.edgeproxy.infrastructure.proxy.ConnectionListener;
import io.edgeproxy.infrastructure.proxy.ProxiedConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Logs a backend's first failure and its recovery, whatever else is switched on: without health
 * checks and circuit breakers an operator would otherwise never hear of a dead backend. One line
 * when a working backend first fails ({@code backend sa-1 failing: connection refused}), none for
 * its further failures, one when a connection to it works again (with how many failed meanwhile).
 * Holds one entry per failing backend, dropped when the backend leaves the repository.
 */
public final class BackendFailureLog implements ConnectionListener, BackendsListener {

    private static final Logger log = LoggerFactory.getLogger(BackendFailureLog.class);

    /** Failures since the backend last worked, for the backends failing now. */
    private final ConcurrentHashMap<String, AtomicLong> failing = new ConcurrentHashMap<>();

    @Override
    public void onBackendFailed(ProxiedConnection connection, Backend backend, Exception cause) {
        AtomicLong count = failing.get(backend.id());
        if (count != null) {
            count.incrementAndGet();
            return;
        }
        if (failing.putIfAbsent(backend.id(), new AtomicLong(1)) == null) {
            log.warn("backend {} failing: {}", backend.id(), cause.getMessage() == null ? cause.toString() : cause.getMessage());
        }
    }

    @Override
    public void onConnected(ProxiedConnection connection, Backend backend, long connectNanos) {
        if (failing.isEmpty()) {
            return; // the common case: one read
        }
        AtomicLong count = failing.remove(backend.id());
        if (count != null) {
            log.info("backend {} answering again after {} failed attempts", backend.id(), count.get());
        }
    }

    @Override
    public void backendsChanged(List<Backend> backends) {
        Set<String> ids = new HashSet<>();
        for (Backend b : backends) {
            ids.add(b.id());
        }
        failing.keySet().retainAll(ids);
    }

    /** @return how many backends are failing now */
    public int failingBackends() {
        return failing.size();
    }
}
